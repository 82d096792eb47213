import { timestampRepository } from '../proof/timestamp.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { shortId } from './render.js';

export interface TimestampOptions extends GlobalOptions {
  ids: string[];
  missing: boolean;
  tsa?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: TimestampOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const result = await timestampRepository(repo, {
    ids: options.ids,
    missing: options.missing,
    tsa: options.tsa,
    commit: options.commit,
    env: io.env,
  });
  const ok = result.failures.length === 0;
  if (options.json) {
    io.json({ ok, ...result, commit: result.commit ?? null });
    return ok ? 0 : 1;
  }
  for (const s of result.stamped)
    io.out(
      `${io.c.green('timestamped')} ${shortId(s.id)} (${s.added} token${s.added === 1 ? '' : 's'})`,
    );
  for (const s of result.skipped)
    io.out(`${io.c.dim('skipped')}     ${shortId(s.id)}: ${s.reason}`);
  for (const f of result.failures)
    io.out(`${io.c.red('failed')}      ${shortId(f.id)}: ${f.reason}`);
  if (result.stamped.length === 0 && result.failures.length === 0 && result.skipped.length === 0) {
    io.out('every signature already carries a timestamp from every TSA');
  }
  if (result.commit) io.out(io.c.dim(`committed ${result.commit.slice(0, 7)}`));
  return ok ? 0 : 1;
}
