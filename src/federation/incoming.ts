/**
 * What a peer brings: the memory files of its commit that differ from ours, found by
 * comparing git tree ids shard by shard (a shard whose tree id equals ours is never
 * opened, so a sync with nothing new reads no memory blob), then read and decoded.
 * Anything that is not a well-formed memory file in its own shard is rejected here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HistoryReader } from '../git/history.js';
import { ObjectStore, ObjectTooLargeError } from '../git/object-store.js';
import { describeSecretKey, findSecretKey } from '../crypto/secret-keys.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import type { RejectedMemory } from '../memory/memory-types.js';
import type { Repository } from '../ground/repository.js';
import { mapLimit } from '../ground/map-limit.js';
import { printablePath } from '../ground/paths.js';

export interface Incoming {
  /** The peer's memory, as its commit holds it. */
  memory: Memory;
  /** Our copy of the same memory, when we already keep it (the peer's may carry more signatures). */
  ours?: Memory;
}

export interface PeerDiff {
  incoming: Incoming[];
  rejected: RejectedMemory[];
  /** Memory files examined (those whose blob differs from ours). */
  examined: number;
}

interface Candidate {
  path: string;
  oid: string;
}

const SHARD = /^[0-9a-f]{2}$/;
const FILE = /^([0-9a-f]{64})\.json$/;

/** Reason text fits the receipt's one-line field. */
export function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || 'unreadable';
  return line.length > 480 ? line.slice(0, 479) + '…' : line;
}

/**
 * A memory file's blob, refused from its header alone when it is over a memory's limit;
 * one that inflates to other than its header states is refused as corrupt.
 */
function readBlob(store: ObjectStore | undefined, oid: string) {
  try {
    return store?.read(oid, MAX_MEMORY_BYTES);
  } catch (err) {
    if (err instanceof ObjectTooLargeError) {
      throw new RemembrancerError(
        'FILE_TOO_LARGE',
        `${err.size} bytes, over the ${MAX_MEMORY_BYTES}-byte limit of a memory`,
      );
    }
    throw new RemembrancerError('GIT_FAILED', `blob ${oid} cannot be read: ${reasonOf(err)}`);
  }
}

/**
 * `ourTree` is the memories/ tree to compare with and `localDir` the .remembrancer/ whose
 * copies the peer's may add signatures to: ours for a core peer, its view for an external one.
 */
export async function diffPeer(
  repo: Repository,
  history: HistoryReader,
  peerTree: string | undefined,
  ourTree: string | undefined,
  localDir: string = repo.remDir,
): Promise<PeerDiff> {
  const rejected: RejectedMemory[] = [];
  const candidates: Candidate[] = [];
  if (peerTree !== undefined && peerTree !== ourTree) {
    const ourShards = new Map(
      (ourTree ? await history.tree(ourTree) : []).map((e) => [e.path, e] as const),
    );
    for (const shard of await history.tree(peerTree)) {
      const path = `memories/${shard.path}`;
      if (shard.mode === '120000') {
        rejected.push({ path, reason: 'a symbolic link where a shard folder belongs, refused' });
        continue;
      }
      if (shard.type !== 'tree' || !SHARD.test(shard.path)) {
        rejected.push({
          path: printablePath(path),
          reason: 'not a shard folder of memories/ (two hex digits)',
        });
        continue;
      }
      const mine = ourShards.get(shard.path);
      if (mine?.oid === shard.oid) continue;
      const ourFiles = new Map(
        (mine?.type === 'tree' ? await history.tree(mine.oid) : []).map(
          (e) => [e.path, e.oid] as const,
        ),
      );
      for (const file of await history.tree(shard.oid)) {
        if (ourFiles.get(file.path) === file.oid) continue;
        const filePath = `${path}/${file.path}`;
        const id = FILE.exec(file.path)?.[1];
        if (file.type !== 'blob') {
          rejected.push({
            path: printablePath(filePath),
            reason: 'a folder where a memory file belongs',
          });
        } else if (file.mode === '120000') {
          rejected.push({
            path: printablePath(filePath),
            ...(id ? { id } : {}),
            reason: 'a symbolic link, not a memory file',
          });
        } else if (id === undefined) {
          rejected.push({
            path: printablePath(filePath),
            reason: 'not a memory file name (<64 hex id>.json)',
          });
        } else {
          candidates.push({ path: filePath, oid: file.oid });
        }
      }
    }
  }

  // Read synchronously from the object files, with delta bases cached: isomorphic-git
  // inflates a whole delta chain again for every blob.
  const store = candidates.length > 0 ? new ObjectStore(repo.gitdir) : undefined;
  const incoming: Incoming[] = [];
  await mapLimit(candidates, 16, async ({ path, oid }) => {
    const id = FILE.exec(path.split('/')[2] as string)?.[1] as string;
    try {
      // The size comes from the object's header: a larger blob is never inflated.
      const object = readBlob(store, oid);
      if (!object || object.type !== 'blob') {
        throw new RemembrancerError(
          'FILE_NOT_FOUND',
          `blob ${oid} is missing from the fetched objects`,
        );
      }
      const blob = object.content;
      // Secret key material is refused before anything else reads the file: it never
      // reaches our disk, and the peer is told the key has leaked.
      const secret = findSecretKey(blob);
      if (secret) {
        throw new RemembrancerError(
          'PRIVATE_KEY_IN_REPOSITORY',
          `holds a private key: ${describeSecretKey(secret)}; not taken, and the key is compromised (the peer's history holds it): it must be revoked and replaced`,
        );
      }
      const memory = decodeMemory(path, blob);
      const local = join(localDir, path);
      let ours: Memory | undefined;
      if (existsSync(local)) {
        try {
          ours = decodeMemory(path, readFileSync(local));
        } catch {
          ours = undefined; // our copy is broken; the covenant reports it, the peer's may mend it
        }
      }
      incoming.push(ours ? { memory, ours } : { memory });
    } catch (err) {
      if (!(err instanceof RemembrancerError)) throw err;
      rejected.push({ path, id, reason: reasonOf(err) });
    }
  });
  incoming.sort((a, b) => (a.memory.id < b.memory.id ? -1 : 1));
  rejected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { incoming, rejected, examined: candidates.length + rejected.length };
}
