/**
 * Bringing the search index up to date: the catalog says which memories are on disk, the
 * index says which it holds; the difference is read, checked and indexed, and the new
 * index file replaces the old one atomically. Files that do not verify are left out and
 * listed in the index with their stamps, so every answer reports them until they change.
 * A damaged index is built again from nothing.
 */
import { writeFileAtomic } from '../atomic-write.js';
import { openCatalog } from '../catalog.js';
import type { Memory } from '../envelope.js';
import { RemembrancerError } from '../errors.js';
import { RACY_MS } from '../file-stamp.js';
import { memoryText } from '../memory-text.js';
import { memoryPath } from '../paths.js';
import type { Repository } from '../repository.js';
import { WorkingTreeSnapshot } from '../snapshot.js';
import { slotsById, writeIndex, type IndexedMemory, type StampAt } from './build.js';
import { ENGINE } from './engine.js';
import { IndexFile, type IndexHeader, type LeftOut } from './index-file.js';
import type { OpenedIndex, OpenOptions } from './index.js';
import { judgeFile } from './judge.js';
import { leftOut, pathOfProblem, problemOf, type Finding } from './on-disk.js';

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
  options: OpenOptions & {
    path: string;
    written: number;
    dirs: IndexHeader['dirs'];
    /** Have the catalog compare every file's stamp (a file left out changed in place). */
    exact?: boolean;
  },
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
  const { written } = options;
  const read = new Map<string, { memory: IndexedMemory; stamp: StampAt }>();
  const catalog = await openCatalog(repo, {
    exact: options.exact ?? false,
    onMemory: (memory, stamp) => {
      // The catalog read it after `written`: a stamp taken then proves what it proves.
      if (!known.has(memory.id))
        read.set(memory.id, { memory: indexedMemory(memory), stamp: [...stamp, written] });
    },
  });
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const left = new Map<string, LeftOut>();
  /** Problems that name no file to watch: reported this once. */
  const passing: RemembrancerError[] = [];
  const stamps = new Map<string, StampAt>();
  /** Valid memories the catalog does not list: files left out before that verify now. */
  const recovered = new Map<string, { memory: IndexedMemory; stamp: StampAt }>();

  // Files that do not verify: those the catalog found now, and those left out before,
  // each looked at again for its stamp and its problem as it is now.
  const suspects = new Set<string>();
  for (const problem of catalog.problems) {
    const path = pathOfProblem(problem);
    if (path === undefined) passing.push(problem);
    else suspects.add(path);
  }
  for (const entry of current?.header.left ?? []) suspects.add(entry.path);
  for (const path of [...suspects].sort()) {
    const judged = judgeFile(snapshot, repo.remDir, path);
    if (!judged) continue;
    if ('problem' in judged) left.set(path, leftOut(path, judged));
    else if (memoryPath(judged.memory.id) === path) {
      const stamp: StampAt = [...judged.stamp, judged.takenAt];
      recovered.set(judged.memory.id, { memory: indexedMemory(judged.memory), stamp });
    }
  }

  const gather = (ids: string[]): IndexedMemory[] => {
    const out: IndexedMemory[] = [];
    for (const id of ids.sort()) {
      let found = read.get(id) ?? recovered.get(id);
      if (!found) {
        const path = memoryPath(id);
        const judged = judgeFile(snapshot, repo.remDir, path);
        if (!judged) continue; // gone since the catalog looked: the next open sees it
        if ('problem' in judged) {
          left.set(path, leftOut(path, judged));
          continue;
        }
        found = { memory: indexedMemory(judged.memory), stamp: [...judged.stamp, judged.takenAt] };
      }
      stamps.set(id, found.stamp);
      out.push(found.memory);
    }
    return out;
  };

  const onDisk = new Set([...catalog.entries.keys(), ...recovered.keys()]);
  // A row whose file was found not to verify leaves the index: its file is listed as left out.
  const remove = [...known.keys()].filter((id) => !onDisk.has(id) || left.has(memoryPath(id)));
  const add = gather([...onDisk].filter((id) => !known.has(id)));
  const meta = () => ({
    written,
    dirs: options.dirs,
    left: [...left.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
  });
  let bytes: Uint8Array;
  let status: OpenedIndex['status'] = current ? 'updated' : 'built';
  try {
    bytes = writeIndex(current, { add, remove, stamps }, meta(), known);
  } catch (err) {
    if (!current) throw err;
    // The old index does not hold together (a row without its text): start again.
    options.onBuild?.();
    status = 'built';
    const all = gather([...onDisk]);
    bytes = writeIndex(undefined, { add: all, remove: [], stamps }, meta());
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
    problems: [...file.header.left.map(problemOf), ...passing],
  };
}

/**
 * Keeps what an answer found when it looked at its rows' files: new stamps of files that
 * are still the same memory, and rows whose file went or no longer verifies taken out (the
 * latter listed as left out). Only if the index on disk is still the one answered from:
 * otherwise another process has written a newer one, and the next answer looks again.
 */
export async function keepFindings(
  repo: Repository,
  file: IndexFile,
  findings: Map<number, Finding>,
): Promise<void> {
  const { indexPath } = await import('./index.js');
  const path = indexPath(repo);
  const h = file.header;
  const onDisk = IndexFile.open(path, ENGINE);
  const same =
    onDisk?.header.built === h.built &&
    onDisk.header.updates === h.updates &&
    onDisk.header.written === h.written;
  onDisk?.close();
  if (!same) return;
  const stamps = new Map<string, StampAt>();
  const remove: string[] = [];
  const left = new Map(h.left.map((entry) => [entry.path, entry]));
  for (const finding of findings.values()) {
    if (finding.state === 'same') {
      // A stamp too recent to prove anything would be read again anyway: not worth a write.
      const [, mtime, ctime, , takenAt] = finding.stamp;
      if (Math.max(mtime, ctime) < takenAt - RACY_MS) stamps.set(finding.id, finding.stamp);
    } else {
      remove.push(finding.id);
      if (finding.state === 'invalid') left.set(finding.left.path, finding.left);
    }
  }
  const bytes = writeIndex(
    file,
    { add: [], remove, stamps },
    {
      written: h.written,
      dirs: h.dirs,
      left: [...left.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    },
  );
  await writeFileAtomic(path, bytes, { fsync: false }).catch(() => undefined);
}
