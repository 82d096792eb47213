import { removeTsaRoot } from '../../policy/trust-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface TrustRemoveTsaOptions extends GlobalOptions {
  name: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: TrustRemoveTsaOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const removed = await removeTsaRoot(repo, options.name, options.commit);
  if (options.json) {
    io.json({ name: removed.name, commit: removed.commit ?? null });
    return 0;
  }
  io.out(`no longer trusted: TSA root ${removed.name}`);
  if (removed.commit) io.out(io.c.dim(`committed ${removed.commit.slice(0, 7)}`));
  return 0;
}
