import { removePeer } from '../../federation/peers-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface FederationRemoveOptions extends GlobalOptions {
  name: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: FederationRemoveOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const removed = await removePeer(repo, options.name, options.commit);
  const retired = removed.retired.length > 0;
  if (options.json) {
    io.json({
      name: removed.peer.name,
      retired,
      reliedOn: removed.retired,
      commit: removed.commit ?? null,
    });
    return 0;
  }
  if (retired) {
    io.out(
      `retired peer ${io.c.bold(removed.peer.name)}: it is no longer synced; its keys stay trusted for node "${removed.peer.node}" because they are the only trusted signers of ${removed.retired.length} memor${removed.retired.length === 1 ? 'y' : 'ies'} it brought`,
    );
    io.note(
      'to distrust a key of this peer as well, revoke it: `remembrancer trust revoke FINGERPRINT --reason "…"`',
    );
  } else io.out(`removed peer ${io.c.bold(removed.peer.name)}; the memories it brought stay`);
  if (removed.commit) io.out(io.c.dim(`committed ${removed.commit.slice(0, 7)}`));
  return 0;
}
