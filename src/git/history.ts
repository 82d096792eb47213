/**
 * Reading .remembrancer/memories/ through history: which commit introduced a file, and
 * which memory ids a commit holds. Trees are read by id and cached, and a commit whose
 * memories/ tree equals its parent's is passed over without reading further.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORIES_DIR, REM_DIR } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import type { TreeEntry } from './isogit.js';
import { ObjectStore, type StoredObject } from './object-store.js';
import { parseTreeObject } from './tree-object.js';

/** The git blob id of some bytes, as `git hash-object` computes it. */
export function gitBlobOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export class HistoryReader {
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();
  private readonly commits = new Map<string, Promise<CommitHeader>>();
  private store: ObjectStore | undefined;
  /** Commits whose parents a shallow clone does not have. */
  private readonly shallow: Set<string>;

  constructor(private readonly repo: Repository) {
    let lines: string[];
    try {
      lines = readFileSync(join(repo.gitdir, 'shallow'), 'utf8').split('\n');
    } catch {
      lines = [];
    }
    this.shallow = new Set(lines.map((l) => l.trim()).filter(Boolean));
  }

  /**
   * Git's objects as they were when first asked for, read through our own pack index
   * lookup (isomorphic-git parses a whole pack index before its first read: a tenth of a
   * second at 100,000 memories). An object written since is found by looking again.
   */
  private object(oid: string, limit?: number): StoredObject {
    this.store ??= new ObjectStore(this.repo.gitdir);
    let found = this.store.read(oid, limit);
    if (!found) {
      this.store = new ObjectStore(this.repo.gitdir);
      found = this.store.read(oid, limit);
    }
    if (!found) throw new Error(`git object ${oid} is missing from ${this.repo.gitdir}`);
    return found;
  }

  private typed(oid: string, type: StoredObject['type'], limit?: number): Buffer {
    const found = this.object(oid, limit);
    if (found.type !== type) throw new Error(`git object ${oid} is a ${found.type}, not a ${type}`);
    return found.content;
  }

  /**
   * The entries of a tree, read once. Read byte by byte, so that a name such as "..",
   * which only a hostile peer's plumbing makes, reaches callers to be rejected while the
   * good entries beside it still count.
   */
  tree(oid: string): Promise<TreeEntry[]> {
    let found = this.trees.get(oid);
    if (!found) {
      found = Promise.resolve().then(() => parseTreeObject(this.typed(oid, 'tree')) as TreeEntry[]);
      this.trees.set(oid, found);
    }
    return found;
  }

  commit(oid: string): Promise<CommitHeader> {
    let found = this.commits.get(oid);
    if (!found) {
      found = Promise.resolve().then(() => parseCommitHeader(this.typed(oid, 'commit')));
      this.commits.set(oid, found);
    }
    return found;
  }

  /**
   * Whether `ancestor` is `commit` or reachable from it through parents: a peer whose new
   * commit does not descend from the one we synced last rewrote its history. A missing
   * object ends that path of the walk (a shallow or pruned history cannot prove descent).
   */
  async descendsFrom(commit: string, ancestor: string): Promise<boolean> {
    const seen = new Set<string>([commit]);
    const queue = [commit];
    while (queue.length > 0) {
      const oid = queue.shift() as string;
      if (oid === ancestor) return true;
      if (this.shallow.has(oid)) continue;
      const parents = await this.commit(oid).then(
        (c) => c.parent,
        () => [] as string[],
      );
      for (const p of parents) {
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
    }
    return false;
  }

  /**
   * The commits reachable from `head` and not from `exclude` (what `git rev-list head --not
   * exclude` lists), newest first. Walked by committer time as git walks it, so that the
   * history below `exclude` is not read; a commit a shallow clone or a missing object hides
   * ends its path. With no `exclude`, everything reachable from `head`.
   */
  async commitsBetween(head: string, exclude?: string): Promise<string[]> {
    const parentsOf = new Map<string, string[]>();
    const excluded = new Set<string>();
    const seen = new Set<string>();
    const queue: { oid: string; time: number }[] = [];
    let interesting = 0;
    const add = async (oid: string, out: boolean): Promise<void> => {
      if (seen.has(oid)) {
        if (out) markExcluded(oid);
        return;
      }
      seen.add(oid);
      if (out) excluded.add(oid);
      const time = await this.commit(oid).then(
        (c) => c.time,
        () => undefined,
      );
      if (time === undefined) return; // not here: the walk ends on this path
      let at = queue.length;
      while (at > 0 && (queue[at - 1] as { time: number }).time < time) at--;
      queue.splice(at, 0, { oid, time });
      if (!out) interesting++;
    };
    // A commit found excluded after it was walked: so is everything walked below it.
    const markExcluded = (oid: string): void => {
      const stack = [oid];
      while (stack.length > 0) {
        const c = stack.pop() as string;
        if (excluded.has(c)) continue;
        excluded.add(c);
        if (queue.some((q) => q.oid === c)) interesting--;
        stack.push(...(parentsOf.get(c) ?? []));
      }
    };
    if (exclude !== undefined) await add(exclude, true);
    await add(head, false);
    const order: string[] = [];
    while (queue.length > 0 && interesting > 0) {
      const { oid } = queue.shift() as { oid: string };
      const out = excluded.has(oid);
      if (!out) {
        interesting--;
        order.push(oid);
      }
      const parents = this.shallow.has(oid) ? [] : (await this.commit(oid)).parent;
      parentsOf.set(oid, parents);
      for (const p of parents) await add(p, out);
    }
    return order.filter((c) => !excluded.has(c));
  }

  /**
   * The bytes of a blob. Over `limit` bytes (by default the most any object is read
   * whole), it throws ObjectTooLargeError from the object's header, inflating nothing.
   */
  async blob(oid: string, limit?: number): Promise<Buffer> {
    return this.typed(oid, 'blob', limit);
  }

  /** The bytes of the file at `path` (a/b/c) in a commit, or undefined; see blob(). */
  async fileAt(commit: string, path: string, limit?: number): Promise<Buffer | undefined> {
    const slash = path.lastIndexOf('/');
    const dir =
      slash === -1
        ? (await this.commit(commit)).tree
        : await this.treeAt(commit, path.slice(0, slash));
    if (dir === undefined) return undefined;
    const entry = (await this.tree(dir)).find((e) => e.path === path.slice(slash + 1));
    return entry?.type === 'blob' ? this.blob(entry.oid, limit) : undefined;
  }

  /** The id of the tree at `path` (a/b/c) in a commit, or undefined. */
  async treeAt(commit: string, path: string): Promise<string | undefined> {
    let oid: string | undefined = (await this.commit(commit)).tree;
    for (const part of path.split('/')) {
      if (oid === undefined) return undefined;
      const entry: TreeEntry | undefined = (await this.tree(oid)).find((e) => e.path === part);
      oid = entry?.type === 'tree' ? entry.oid : undefined;
    }
    return oid;
  }

  /**
   * The first folder on `path` (a/b/c) in a commit that is a symbolic link instead, as the
   * path up to it, or undefined: treeAt says only that no folder is there.
   */
  async symlinkOnPath(commit: string, path: string): Promise<string | undefined> {
    let oid: string | undefined = (await this.commit(commit)).tree;
    const parts = path.split('/');
    for (let i = 0; i < parts.length && oid !== undefined; i++) {
      const entry: TreeEntry | undefined = (await this.tree(oid)).find((e) => e.path === parts[i]);
      if (entry?.mode === '120000') return parts.slice(0, i + 1).join('/');
      oid = entry?.type === 'tree' ? entry.oid : undefined;
    }
    return undefined;
  }

  private memoriesTree(commit: string): Promise<string | undefined> {
    return this.treeAt(commit, `${REM_DIR}/${MEMORIES_DIR}`);
  }

  /** Whether a memory file (path relative to .remembrancer/) exists in a commit. */
  async hasMemoryFile(commit: string, memPath: string): Promise<boolean> {
    const [, shard, name] = memPath.split('/') as [string, string, string];
    const memories = await this.memoriesTree(commit);
    if (!memories) return false;
    const shardEntry = (await this.tree(memories)).find(
      (e) => e.path === shard && e.type === 'tree',
    );
    if (!shardEntry) return false;
    return (await this.tree(shardEntry.oid)).some((e) => e.path === name);
  }

  /** Ids of every memory file in a commit (whatever its content). */
  async memoryIdsAt(commit: string): Promise<string[]> {
    const memories = await this.memoriesTree(commit);
    if (!memories) return [];
    const ids: string[] = [];
    for (const shard of await this.tree(memories)) {
      if (shard.type !== 'tree') continue;
      for (const file of await this.tree(shard.oid)) {
        const m = /^([0-9a-f]{64})\.json$/.exec(file.path);
        if (m) ids.push(m[1] as string);
      }
    }
    return ids;
  }

  /**
   * For each memory path, the commit reachable from `head` that added it: it holds the
   * file and none of its parents does. Paths first seen at the edge of a shallow clone
   * cannot be placed and are returned in `unknown`.
   */
  async introducingCommits(
    head: string,
    memPaths: string[],
  ): Promise<{ found: Map<string, string>; unknown: Set<string> }> {
    const found = new Map<string, string>();
    const unknown = new Set<string>();
    const pending = new Set(memPaths);
    const queue = [head];
    const seen = new Set<string>(queue);
    while (queue.length > 0 && pending.size > 0) {
      const commit = queue.shift() as string;
      const parent = this.shallow.has(commit) ? [] : (await this.commit(commit)).parent;
      for (const p of parent) {
        if (!seen.has(p)) {
          seen.add(p);
          queue.push(p);
        }
      }
      const mine = await this.memoriesTree(commit);
      if (mine === undefined) continue;
      const parentTrees = await Promise.all(parent.map((p) => this.memoriesTree(p)));
      if (parentTrees.includes(mine)) continue; // nothing under memories/ was added here
      for (const path of [...pending]) {
        if (!(await this.hasMemoryFile(commit, path))) continue;
        let inParent = false;
        for (const p of parent) {
          if (await this.hasMemoryFile(p, path)) {
            inParent = true;
            break;
          }
        }
        if (!inParent) {
          if (this.shallow.has(commit)) unknown.add(path);
          else found.set(path, commit);
          pending.delete(path);
        }
      }
    }
    return { found, unknown };
  }
}

export interface CommitHeader {
  tree: string;
  parent: string[];
  /** Committer time, seconds since the epoch (0 where the line cannot be read). */
  time: number;
}

/** The tree, parents and committer time of a commit object: its header, to the first blank line. */
function parseCommitHeader(content: Buffer): CommitHeader {
  const end = content.indexOf('\n\n');
  const header = content.toString('utf8', 0, end === -1 ? content.length : end);
  let tree: string | undefined;
  let time = 0;
  const parent: string[] = [];
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree ??= line.slice(5);
    else if (line.startsWith('parent ')) parent.push(line.slice(7));
    else if (line.startsWith('committer '))
      time = Number(/> (\d+) [+-]\d{4}$/.exec(line)?.[1] ?? 0);
  }
  if (tree === undefined || !/^[0-9a-f]{40}$/.test(tree))
    throw new Error('malformed commit: no tree');
  return { tree, parent, time };
}
