import { addPeer } from '../../federation/peers-admin.js';
import type { PeerTier } from '../../federation/peers.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface FederationAddOptions extends GlobalOptions {
  name: string;
  url: string;
  ref?: string;
  key: string[];
  scope: string[];
  tier?: PeerTier;
  node?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: FederationAddOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const added = await addPeer(
    repo,
    {
      name: options.name,
      url: options.url,
      ref: options.ref,
      keyFiles: options.key,
      scope: options.scope,
      tier: options.tier,
      node: options.node,
    },
    options.commit,
  );
  if (options.json) {
    io.json({ ...added.peer, commit: added.commit ?? null });
    return 0;
  }
  const { peer } = added;
  io.out(
    `${io.c.green('added peer')} ${io.c.bold(peer.name)} ${peer.url} ${io.c.dim(peer.ref)}${
      peer.node !== peer.name ? io.c.dim(` (node ${peer.node})`) : ''
    }`,
  );
  io.out(
    io.c.dim(
      `tier ${peer.tier}; scope ${peer.scope?.join(', ') ?? 'every type'}; ${peer.keys.length} key(s) trusted for it`,
    ),
  );
  for (const k of added.keys) io.out(io.c.dim(`  ${k.fingerprint} ${k.userIds[0] ?? ''}`));
  if (peer.keys.length === 0) {
    io.warn(
      'no key is trusted for this peer: only memories signed by keys this node already trusts will be accepted',
    );
  }
  if (added.commit) io.out(io.c.dim(`committed ${added.commit.slice(0, 7)}`));
  io.note(`fetch it with \`remembrancer federation sync ${peer.name}\``);
  return 0;
}
