import type { RecordResult } from '../../record/record.js';
import { summarize } from '../../memory/memory-types.js';
import type { IO } from '../../present/io.js';
import { recordedItem } from '../../present/shapes.js';

/** What every `record` command prints, as a line for people or the documented JSON. */
export function printRecorded(
  io: IO,
  result: RecordResult,
  json: boolean,
  extra: Record<string, unknown> = {},
): void {
  const { memory } = result;
  if (json) {
    io.json({ ...extra, ...recordedItem(result) });
    return;
  }
  for (const w of result.warnings) io.warn(w);
  const verb =
    result.write === 'created'
      ? 'recorded'
      : result.write === 'merged'
        ? 'merged into'
        : 'already recorded';
  io.out(
    `${verb} ${memory.envelope.signed.type} ${io.c.bold(memory.id.slice(0, 12))} ${summarize(memory)}`,
  );
  const signer = memory.envelope.signed.author;
  if (signer.key) io.out(io.c.dim(`signed by ${signer.key} (${signer.name} <${signer.email}>)`));
  else io.out(io.c.dim('unsigned'));
  if (result.commit) io.out(io.c.dim(`committed ${result.commit.slice(0, 7)}`));
  else if (result.paths.length > 0) io.out(io.c.dim('staged, not committed'));
}
