import { describeKey } from '../../crypto/openpgp.js';
import { readFederationStatus, readPeers } from '../../federation/peers.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import { TrustStore } from '../../policy/trust.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { shortTime } from '../render.js';

export interface FederationStatusOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: FederationStatusOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const peers = await readPeers(snapshot);
  const trust = await TrustStore.load(snapshot);
  const status = readFederationStatus(repo);
  const rows = await Promise.all(
    peers.map(async (peer) => {
      const keys = await Promise.all(
        peer.keys.map(async (fingerprint) => {
          const key = trust.get(fingerprint);
          const info = key ? await describeKey(key.key) : undefined;
          return {
            fingerprint,
            userId: info?.userIds[0] ?? null,
            expires: info?.expires ?? null,
            present: key !== undefined,
          };
        }),
      );
      return {
        name: peer.name,
        node: peer.node,
        url: peer.url,
        ref: peer.ref,
        tier: peer.tier,
        retired: peer.retired === true,
        ...status[peer.name],
        keys,
      };
    }),
  );
  if (options.json) {
    io.json({ peers: rows });
    return 0;
  }
  if (rows.length === 0) {
    io.out('no peers yet; add one with `remembrancer federation add NAME URL --key KEY.asc`');
    return 0;
  }
  const now = Date.now();
  io.table(
    ['PEER', 'LAST SYNC', 'RESULT', 'PEER COMMIT', 'PEER ROOT', 'TAKEN', 'KEYS'],
    rows.map((r) => {
      const failedLast =
        r.lastError !== undefined &&
        (r.lastSuccess === undefined || (r.lastAttempt ?? '') > r.lastSuccess);
      const expiring = r.keys.filter((k) => k.expires !== null && Date.parse(k.expires) < now);
      return [
        r.retired ? `${r.name} ${io.c.dim('(retired)')}` : r.name,
        r.lastAttempt ? shortTime(r.lastAttempt) : 'never',
        failedLast ? io.c.red(`failed: ${r.lastError}`) : r.lastSuccess ? io.c.green('ok') : '-',
        r.peerCommit?.slice(0, 7) ?? '-',
        r.peerRoot ? `${r.peerRoot.slice(0, 12)}…` : '-',
        r.counts ? `${r.counts.accepted}+ ${r.counts.rejected}✗ ${r.counts.ignored}○` : '-',
        `${r.keys.length}${expiring.length > 0 ? io.c.red(` (${expiring.length} expired)`) : ''}`,
      ];
    }),
  );
  for (const r of rows) {
    if (r.lastRewrite) {
      io.warn(
        `${r.name} rewrote its history (force-push) seen ${shortTime(r.lastRewrite.at)}: ${r.lastRewrite.from.slice(0, 7)} is not an ancestor of ${r.lastRewrite.to.slice(0, 7)}`,
      );
    }
  }
  return 0;
}
