import { addTsaRoot } from '../../policy/trust-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface TrustAddTsaOptions extends GlobalOptions {
  file: string;
  name?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: TrustAddTsaOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const change = await addTsaRoot(repo, options.file, options.name, options.commit);
  if (options.json) {
    io.json({
      name: change.name,
      subjects: change.subjects,
      status: change.status,
      commit: change.commit ?? null,
    });
    return 0;
  }
  const status =
    change.status === 'added'
      ? io.c.green('trusted TSA root')
      : io.c.dim('already trusted TSA root');
  io.out(`${status} ${change.name}: ${change.subjects.join(', ')}`);
  if (change.commit) io.out(io.c.dim(`committed ${change.commit.slice(0, 7)}`));
  return 0;
}
