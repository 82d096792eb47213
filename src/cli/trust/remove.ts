import { removeTrustAnchor } from '../../policy/trust-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface TrustRemoveOptions extends GlobalOptions {
  fingerprint: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: TrustRemoveOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const removed = await removeTrustAnchor(repo, options.fingerprint, options.commit);
  if (options.json) {
    io.json({
      fingerprint: removed.fingerprint,
      userIds: removed.userIds,
      commit: removed.commit ?? null,
    });
    return 0;
  }
  io.out(`no longer trusted: ${removed.fingerprint} ${removed.userIds[0] ?? ''}`);
  io.note('memories signed only by this key now fail the covenant under the strict policy');
  if (removed.commit) io.out(io.c.dim(`committed ${removed.commit.slice(0, 7)}`));
  return 0;
}
