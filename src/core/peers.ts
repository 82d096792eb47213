/**
 * Peers this node federates with: .remembrancer/peers.json (committed) and each peer's
 * trusted keys in trust/peers/<name>/<FPR>.asc. The sync's own bookkeeping (last attempt,
 * last error…) is local state in .git/remembrancer/federation-status.json, never committed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJson } from './canonical-json.js';
import { RemembrancerError } from './errors.js';
import { repoRelative, TRUST_PEERS_DIR } from './paths.js';
import { cacheDir, type Repository } from './repository.js';
import { validatePeers } from './schemas.js';
import type { Snapshot } from './snapshot.js';

export const PEERS_FILE = 'peers.json';
export const PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_PEER_REF = 'refs/heads/main';

export type PeerTier = 'core' | 'external';

export interface Peer {
  name: string;
  url: string;
  /** The peer's ref to fetch, e.g. refs/heads/main. */
  ref: string;
  /** core imports accepted memories; external is only read, never imported. */
  tier: PeerTier;
  /** Memory types taken from this peer; undefined means every type. */
  scope?: string[];
  /** Fingerprints of the keys trusted for this peer (files in trust/peers/<name>/). */
  keys: string[];
}

export interface PeersFile {
  schema: 1;
  peers: Peer[];
}

const MAX_PEERS_BYTES = 256 * 1024;

/** The peers of a snapshot; an empty list where there is no peers.json. */
export async function readPeers(snapshot: Snapshot): Promise<Peer[]> {
  const bytes = await snapshot.read(PEERS_FILE, MAX_PEERS_BYTES);
  if (bytes === undefined) return [];
  const file = repoRelative(PEERS_FILE);
  const value = parseJson(Buffer.from(bytes).toString('utf8'), file);
  validatePeers(value, file);
  return (value as unknown as PeersFile).peers;
}

export function serializePeers(peers: Peer[]): string {
  const sorted = [...peers].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return JSON.stringify({ schema: 1, peers: sorted } satisfies PeersFile, null, 2) + '\n';
}

export function findPeer(peers: Peer[], name: string): Peer {
  const peer = peers.find((p) => p.name === name);
  if (!peer) {
    const known = peers.map((p) => p.name).join(', ') || 'none yet';
    throw new RemembrancerError('UNKNOWN_PEER', `no peer named "${name}" (known: ${known})`, {
      file: repoRelative(PEERS_FILE),
      fix: 'list them with `remembrancer federation list`, or add one with `federation add NAME URL`',
    });
  }
  return peer;
}

/** trust/peers/<name>/<FPR>.asc, relative to .remembrancer/. */
export function peerKeyPath(peer: string, fingerprint: string): string {
  return `${TRUST_PEERS_DIR}/${peer}/${fingerprint}.asc`;
}

/** Where a peer's fetched commit is kept: refs/remembrancer/peers/<name>/<ref without refs/>. */
export function peerTrackingRef(peer: Pick<Peer, 'name' | 'ref'>): string {
  return `refs/remembrancer/peers/${peer.name}/${peer.ref.replace(/^refs\//, '')}`;
}

export interface PeerStatus {
  lastAttempt?: string;
  lastSuccess?: string;
  lastError?: string;
  peerCommit?: string;
  peerRoot?: string;
  counts?: { fetched: number; accepted: number; rejected: number; ignored: number };
  /** External peers: the peer's memories/ tree the view was last brought up to. */
  viewTree?: string;
}

export function federationStatusPath(repo: Repository): string {
  return join(cacheDir(repo), 'federation-status.json');
}

/** Last sync results per peer name; empty when no sync has run in this clone. */
export function readFederationStatus(repo: Repository): Record<string, PeerStatus> {
  try {
    const value = JSON.parse(readFileSync(federationStatusPath(repo), 'utf8')) as {
      peers?: Record<string, PeerStatus>;
    };
    return value.peers ?? {};
  } catch {
    return {};
  }
}
