/**
 * Peers this node federates with: .remembrancer/peers.json (committed) and each peer's
 * trusted keys in trust/peers/<name>/<FPR>.asc. The sync's own bookkeeping (last attempt,
 * last error…) is local state in .git/remembrancer/federation-status.json, never committed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeUtf8, parseJson } from '../ground/canonical-json.js';
import { RemembrancerError } from '../ground/errors.js';
import { repoRelative, TRUST_PEERS_DIR } from '../ground/paths.js';
import { cacheDir, type Repository } from '../ground/repository.js';
import { validatePeers } from '../memory/schemas.js';
import { peerUrlProblem, redactUrl, refNameProblem, urlPassword } from '../git/peer-url.js';
import type { Snapshot } from '../ground/snapshot.js';

export const PEERS_FILE = 'peers.json';
export const PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const DEFAULT_PEER_REF = 'refs/heads/main';

export type PeerTier = 'core' | 'external';

export interface Peer {
  name: string;
  /**
   * The node this peer speaks for: its memories and seals say this name, and only keys
   * trusted for this peer may sign in it. Ours, never the peer's own config.json. Written to
   * peers.json only when it differs from the peer's name.
   */
  node: string;
  url: string;
  /** The peer's ref to fetch, e.g. refs/heads/main. */
  ref: string;
  /** core imports accepted memories; external is only read, never imported. */
  tier: PeerTier;
  /** Memory types taken from this peer; undefined means every type. */
  scope?: string[];
  /** Fingerprints of the keys trusted for this peer (files in trust/peers/<name>/). */
  keys: string[];
  /** Removed while memories still rely on its keys: never synced, its keys still judge. */
  retired?: true;
}

const MAX_PEERS_BYTES = 256 * 1024;

/** The peers of a snapshot; an empty list where there is no peers.json. */
export async function readPeers(snapshot: Snapshot): Promise<Peer[]> {
  const bytes = await snapshot.read(PEERS_FILE, MAX_PEERS_BYTES);
  if (bytes === undefined) return [];
  const file = repoRelative(PEERS_FILE);
  const value = parseJson(decodeUtf8(bytes, file), file);
  validatePeers(value, file);
  const peers = (value as { peers: (Omit<Peer, 'node'> & { node?: string })[] }).peers.map(
    (p): Peer => ({ ...p, node: p.node ?? p.name }),
  );
  const problem = peersProblem(peers);
  if (problem) {
    throw new RemembrancerError('SCHEMA_VIOLATION', problem, {
      file,
      fix: 'fix or remove that peer: `remembrancer federation remove NAME`, then `federation add NAME URL`',
    });
  }
  return peers;
}

/** What the schema cannot say about one peer: a URL, ref and name safe to hand to git. */
export function peerProblem(peer: Pick<Peer, 'name' | 'url' | 'ref'>): string | undefined {
  const name = peerNameProblem(peer.name);
  if (name) return `peer name ${JSON.stringify(peer.name)} ${name}`;
  const url = peerUrlProblem(peer.url);
  if (url) return `peer "${peer.name}": URL ${JSON.stringify(redactUrl(peer.url))} ${url}`;
  if (urlPassword(peer.url) !== undefined)
    return `peer "${peer.name}": URL holds a password, which must never be committed`;
  const ref = refNameProblem(peer.ref);
  if (ref) return `peer "${peer.name}": ref ${JSON.stringify(peer.ref)} ${ref}`;
  return undefined;
}

export function peerNameProblem(name: string): string | undefined {
  if (!PEER_NAME.test(name))
    return 'is not letters, digits, . _ - (up to 64), starting with a letter or digit';
  if (name.includes('..') || name.endsWith('.') || name.endsWith('.lock'))
    return 'holds "..", or ends with "." or ".lock"';
  return undefined;
}

function peersProblem(peers: Peer[]): string | undefined {
  const names = new Set<string>();
  for (const peer of peers) {
    const problem = peerProblem(peer);
    if (problem) return problem;
    if (names.has(peer.name)) return `peer "${peer.name}" is listed twice`;
    names.add(peer.name);
  }
  return undefined;
}

export function serializePeers(peers: Peer[]): string {
  const sorted = [...peers]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, node, ...rest }) =>
      node === name ? { name, ...rest } : { name, node, ...rest },
    );
  return JSON.stringify({ schema: 1, peers: sorted }, null, 2) + '\n';
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

export interface PeerStatus {
  lastAttempt?: string;
  lastSuccess?: string;
  lastError?: string;
  peerCommit?: string;
  peerRoot?: string;
  counts?: { fetched: number; accepted: number; rejected: number; ignored: number };
  /** External peers: the peer's memories/ tree the view was last brought up to. */
  viewTree?: string;
  /** The last time the peer's new commit did not descend from the one synced before. */
  lastRewrite?: { at: string; from: string; to: string };
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
