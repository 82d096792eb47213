/**
 * The sync's own bookkeeping per peer (last attempt, last success, last error, counts),
 * kept in .git/remembrancer/federation-status.json: local state of this clone, never
 * committed, written atomically.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { federationStatusPath, readFederationStatus, type PeerStatus } from './peers.js';
import type { Repository } from '../ground/repository.js';

/** Merges `change` into a peer's status; null forgets the peer. */
export async function updateStatus(
  repo: Repository,
  peer: string,
  change: Partial<PeerStatus> | null,
): Promise<void> {
  const all = readFederationStatus(repo);
  if (change === null) {
    if (!(peer in all)) return;
    delete all[peer];
  } else {
    all[peer] = { ...all[peer], ...change };
  }
  const path = federationStatusPath(repo);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify({ version: 1, peers: all }, null, 2) + '\n');
}
