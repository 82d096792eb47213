import { verifyMerge, type MergeVerdict } from '../../federation/verify-merge.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface VerifyMergeOptions extends GlobalOptions {
  id: string;
  json: boolean;
}

export function printVerdict(io: IO, verdict: MergeVerdict): void {
  io.out(
    `receipt ${io.c.bold(verdict.id.slice(0, 12))} by ${verdict.node}, sync from ${verdict.peer}: ${
      verdict.ok ? io.c.green('recomputes') : io.c.red('does not recompute')
    }`,
  );
  for (const c of verdict.checks) {
    const mark =
      c.ok === true ? io.c.green('✓') : c.ok === false ? io.c.red('✗') : io.c.yellow('?');
    io.out(`  ${mark} ${c.name}: ${c.detail}`);
  }
}

export async function run(options: VerifyMergeOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const verdict = await verifyMerge(repo, options.id);
  if (options.json) io.json(verdict);
  else printVerdict(io, verdict);
  return verdict.ok ? 0 : 1;
}
