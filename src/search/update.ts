/**
 * Bringing the search index up to date: the catalog says which memories are on disk, the
 * index says which it holds; the difference is read, checked and indexed, and the new
 * index file replaces the old one atomically. Files that do not verify are left out and
 * listed in the index with their stamps, so every answer reports them until they change.
 * A damaged index is built again from nothing.
 */
import { writeFileAtomic } from '../ground/atomic-write.js';
import { openCatalog } from '../store/catalog.js';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { RACY_MS, sameStamp } from '../ground/file-stamp.js';
import { memoryText } from '../memory/memory-text.js';
import { memoryPath } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
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
 * Replaces the index on disk with `bytes`, a new version of `file`, only if the index on
 * disk is still `file`: otherwise another process has written a newer one, and the next
 * answer looks again.
 */
async function replaceIfUnchanged(
  repo: Repository,
  file: IndexFile,
  bytes: () => Uint8Array,
): Promise<Uint8Array | undefined> {
  const { indexPath } = await import('./index.js');
  const path = indexPath(repo);
  const h = file.header;
  const onDisk = IndexFile.open(path, ENGINE);
  const same =
    onDisk?.header.built === h.built &&
    onDisk.header.updates === h.updates &&
    onDisk.header.written === h.written;
  onDisk?.close();
  if (!same) return undefined;
  const out = bytes();
  // A cache: no fsync, and a failure to write it only costs the next answer some time.
  await writeFileAtomic(path, out, { fsync: false }).catch(() => undefined);
  return out;
}

const byPath = (a: LeftOut, b: LeftOut) => (a.path < b.path ? -1 : 1);

/**
 * Keeps what an answer found when it looked at its rows' files: new stamps of files that
 * are still the same memory, and rows whose file went or no longer verifies taken out (the
 * latter listed as left out).
 */
export async function keepFindings(
  repo: Repository,
  file: IndexFile,
  findings: Map<number, Finding>,
): Promise<void> {
  const h = file.header;
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
  if (stamps.size === 0 && remove.length === 0) return;
  const meta = { written: h.written, dirs: h.dirs, left: [...left.values()].sort(byPath) };
  await replaceIfUnchanged(repo, file, () => writeIndex(file, { add: [], remove, stamps }, meta));
}

/**
 * The files left out when they look as they were judged but were judged too soon after
 * they changed to prove it (racy): each is judged again, and the index opened as fresh if
 * each is still the same problem. A judgement that now proves itself is kept (one write,
 * after which the index is fresh without judging). Undefined where one changed: the
 * caller brings the index up to date instead.
 */
export async function reviewLeftOut(
  repo: Repository,
  current: IndexFile,
): Promise<OpenedIndex | undefined> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const h = current.header;
  const left: LeftOut[] = [];
  let settled = false;
  for (const entry of h.left) {
    const judged = judgeFile(snapshot, repo.remDir, entry.path);
    const same = judged && 'problem' in judged && sameStamp(entry.stamp, judged.stamp);
    if (!same || judged.problem.code !== entry.problem.code) return undefined;
    // The problem as it is now; kept only where this judgement proves itself.
    const now = leftOut(entry.path, judged);
    left.push(now);
    const [, mtime, ctime] = now.stamp;
    if (Math.max(mtime, ctime) < now.takenAt - RACY_MS) settled = true;
  }
  let file = current;
  if (settled) {
    const meta = { written: h.written, dirs: h.dirs, left };
    const bytes = await replaceIfUnchanged(repo, current, () =>
      writeIndex(current, { add: [], remove: [] }, meta),
    );
    if (bytes) {
      current.close();
      file = IndexFile.fromBytes(bytes);
    }
  }
  return { file, status: 'fresh', added: 0, removed: 0, problems: left.map(problemOf) };
}
