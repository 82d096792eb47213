import { removePeer } from '../../core/federation/peers-admin.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../io.js';

export interface FederationRemoveOptions extends GlobalOptions {
  name: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: FederationRemoveOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const removed = await removePeer(repo, options.name, options.commit);
  if (options.json) {
    io.json({ name: removed.peer.name, commit: removed.commit ?? null });
    return 0;
  }
  io.out(`removed peer ${io.c.bold(removed.peer.name)}; the memories it brought stay`);
  if (removed.commit) io.out(io.c.dim(`committed ${removed.commit.slice(0, 7)}`));
  return 0;
}
