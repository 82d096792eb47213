/** Where things live inside .remembrancer/ (DESIGN.md §2). Paths use / on every platform. */
import { spell } from './errors.js';

export const REM_DIR = '.remembrancer';
export const CONFIG_FILE = 'config.json';
export const MEMORIES_DIR = 'memories';
export const TRUST_KEYS_DIR = 'trust/keys';
export const TRUST_TSA_DIR = 'trust/tsa';
export const TRUST_PEERS_DIR = 'trust/peers';

const MEMORY_PATH = /^memories\/([0-9a-f]{2})\/([0-9a-f]{64})\.json$/;

/** memories/<aa>/<id>.json, relative to .remembrancer/. */
export function memoryPath(id: string): string {
  return `${MEMORIES_DIR}/${id.slice(0, 2)}/${id}.json`;
}

/** The id a memory path names and whether it sits in its own shard. */
export function parseMemoryPath(path: string): { id: string; shardOk: boolean } | undefined {
  const m = MEMORY_PATH.exec(path);
  if (!m) return undefined;
  const [, shard, id] = m as unknown as [string, string, string];
  return { id, shardOk: id.startsWith(shard) };
}

export function trustKeyPath(fingerprint: string): string {
  return `${TRUST_KEYS_DIR}/${fingerprint}.asc`;
}

/** Path relative to the repository root, for messages. */
export function repoRelative(remPath: string): string {
  return `${REM_DIR}/${remPath}`;
}

/** Longest path a receipt keeps for a rejected file (schemas/federation.json). */
const MAX_PRINTABLE_PATH = 1024;

/**
 * A file name from a repository or a peer as a receipt keeps it and a terminal shows it: a
 * git tree entry may hold any byte but NUL and "/", so it is made printable and cut to
 * what a receipt keeps. Raw, one such name would fake report lines, or fail the receipt's
 * schema and with it a whole sync.
 */
export function printablePath(path: string): string {
  // Cut after spelling out: the receipt's schema bounds the length of what it stores.
  const line = spell(path);
  return line.length > MAX_PRINTABLE_PATH ? line.slice(0, MAX_PRINTABLE_PATH - 1) + '…' : line;
}
