/**
 * Bringing the search index up to date: the catalog says which memories are on disk, the
 * index says which it holds; the difference is read, checked and indexed, and the new
 * index file replaces the old one atomically. A damaged index is built again from nothing.
 */
import { writeFileAtomic } from '../atomic-write.js';
import { openCatalog } from '../catalog.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../envelope.js';
import { RemembrancerError } from '../errors.js';
import { memoryText } from '../memory-text.js';
import { memoryPath } from '../paths.js';
import type { Repository } from '../repository.js';
import { WorkingTreeSnapshot } from '../snapshot.js';
import { slotsById, writeIndex, type IndexedMemory } from './build.js';
import { IndexFile } from './index-file.js';
import type { OpenedIndex, OpenOptions } from './index.js';

/** What the index keeps of a memory: memoryText's fields plus what a result prints. */
export function indexedMemory(memory: Memory): IndexedMemory {
  const s = memory.envelope.signed;
  const text = memoryText(memory);
  return {
    id: memory.id,
    type: s.type,
    created: s.created,
    node: s.node,
    author: {
      name: s.author.name,
      email: s.author.email,
      ...(s.author.key === undefined ? {} : { key: s.author.key }),
    },
    title: text.title,
    body: text.body,
    tags: text.tags,
    notes: text.notes,
    ...(text.component === undefined ? {} : { component: text.component }),
  };
}

export async function refreshIndex(
  repo: Repository,
  current: IndexFile | undefined,
  options: OpenOptions & { path: string; written: number; dirs: Record<string, number> },
): Promise<OpenedIndex> {
  let known: Map<string, number>;
  try {
    known = current ? slotsById(current) : new Map();
  } catch {
    current?.close();
    current = undefined;
    known = new Map();
  }
  if (!current) options.onBuild?.();
  const read = new Map<string, IndexedMemory>();
  const catalog = await openCatalog(repo, {
    onMemory: (memory) => {
      if (!known.has(memory.id)) read.set(memory.id, indexedMemory(memory));
    },
  });
  const problems = [...catalog.problems];
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const gather = async (ids: string[]): Promise<IndexedMemory[]> => {
    const out: IndexedMemory[] = [];
    for (const id of ids.sort()) {
      let memory = read.get(id);
      if (!memory) {
        const path = memoryPath(id);
        try {
          const bytes = await snapshot.read(path, MAX_MEMORY_BYTES);
          if (!bytes) continue; // gone since the catalog looked: the next open sees it
          memory = indexedMemory(decodeMemory(path, bytes));
        } catch (err) {
          if (!(err instanceof RemembrancerError)) throw err;
          problems.push(err);
          continue;
        }
      }
      out.push(memory);
    }
    return out;
  };

  const onDisk = catalog.entries;
  const remove = [...known.keys()].filter((id) => !onDisk.has(id));
  const add = await gather([...onDisk.keys()].filter((id) => !known.has(id)));
  const meta = { written: options.written, dirs: options.dirs };
  let bytes: Uint8Array;
  let status: OpenedIndex['status'] = current ? 'updated' : 'built';
  try {
    bytes = writeIndex(current, { add, remove }, meta, known);
  } catch (err) {
    if (!current) throw err;
    // The old index does not hold together (a row without its text): start again.
    options.onBuild?.();
    status = 'built';
    bytes = writeIndex(undefined, { add: await gather([...onDisk.keys()]), remove: [] }, meta);
  }
  current?.close();
  // A cache: no fsync, and a failure to write it only costs the next query some time.
  await writeFileAtomic(options.path, bytes, { fsync: false }).catch(() => undefined);
  const file = IndexFile.fromBytes(bytes);
  return {
    file,
    status,
    added: status === 'built' ? file.header.live : add.length,
    removed: status === 'built' ? 0 : remove.length,
    problems,
  };
}
