import { readPeers } from '../../federation/peers.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface FederationListOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: FederationListOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const peers = await readPeers(new WorkingTreeSnapshot(repo.remDir));
  if (options.json) {
    io.json({ peers });
    return 0;
  }
  if (peers.length === 0) {
    io.out('no peers yet; add one with `remembrancer federation add NAME URL --key KEY.asc`');
    return 0;
  }
  io.table(
    ['NAME', 'NODE', 'URL', 'REF', 'TIER', 'SCOPE', 'KEYS'],
    peers.map((p) => [
      p.name,
      p.retired ? `${p.node} (retired)` : p.node,
      p.url,
      p.ref,
      p.tier,
      p.scope?.join(',') ?? 'all',
      String(p.keys.length),
    ]),
  );
  return 0;
}
