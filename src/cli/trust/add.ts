import { addTrustAnchors } from '../../policy/trust-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface TrustAddOptions extends GlobalOptions {
  files: string[];
  commit: boolean;
  json: boolean;
}

export async function run(options: TrustAddOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const change = await addTrustAnchors(repo, options.files, options.commit);
  if (options.json) {
    io.json({
      keys: change.keys.map((k) => ({
        fingerprint: k.fingerprint,
        userIds: k.userIds,
        status: k.status,
      })),
      commit: change.commit ?? null,
    });
    return 0;
  }
  for (const k of change.keys) {
    const status = k.status === 'added' ? io.c.green('trusted') : io.c.dim('already trusted');
    io.out(`${status} ${k.fingerprint} ${k.userIds[0] ?? ''}`);
  }
  if (change.commit) io.out(io.c.dim(`committed ${change.commit.slice(0, 7)}`));
  return 0;
}
