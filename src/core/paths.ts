/** Where things live inside .remembrancer/ (DESIGN.md §2). Paths use / on every platform. */
export const REM_DIR = '.remembrancer';
export const CONFIG_FILE = 'config.json';
export const MEMORIES_DIR = 'memories';
export const TRUST_KEYS_DIR = 'trust/keys';
export const TRUST_TSA_DIR = 'trust/tsa';
export const TRUST_PEERS_DIR = 'trust/peers';

const ID = /^[0-9a-f]{64}$/;
const MEMORY_PATH = /^memories\/([0-9a-f]{2})\/([0-9a-f]{64})\.json$/;

export function isMemoryId(value: string): boolean {
  return ID.test(value);
}

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
 * Text from a repository or a peer (a file name, a server's complaint) as one printable line:
 * control characters (newlines, escape sequences) are spelled out as \xNN and overlong text
 * is cut. Raw, such text would fake report lines or drive the terminal.
 */
export function printable(text: string, max: number): string {
  const line = text.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what is spelled out
    /[\u0000-\u001f\u007f-\u009f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/**
 * A file name from a repository or a peer as a receipt keeps it and a terminal shows it: a
 * git tree entry may hold any byte but NUL and "/", so it is made printable and cut to
 * what a receipt keeps. Raw, one such name would fake report lines, or fail the receipt's
 * schema and with it a whole sync.
 */
export function printablePath(path: string): string {
  return printable(path, MAX_PRINTABLE_PATH);
}
