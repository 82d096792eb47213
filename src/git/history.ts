/**
 * Reading .remembrancer/memories/ through history: which commit introduced a file, and
 * which memory ids a commit holds. Trees are read by id and cached, and a commit whose
 * memories/ tree equals its parent's is passed over without reading further.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MEMORIES_DIR, REM_DIR } from '../core/paths.js';
import type { Repository } from '../core/repository.js';
import { fs, isogit, type TreeEntry } from './isogit.js';
import { parseTreeObject } from './tree-object.js';

/** The git blob id of some bytes, as `git hash-object` computes it. */
export function gitBlobOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export class HistoryReader {
  private readonly trees = new Map<string, Promise<TreeEntry[]>>();
  private readonly commits = new Map<string, Promise<{ tree: string; parent: string[] }>>();
  private readonly cache = {};
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

  private async base() {
    return {
      git: await isogit(),
      opts: { fs, dir: this.repo.root, gitdir: this.repo.gitdir, cache: this.cache },
    };
  }

  /** The entries of a tree, read once. */
  tree(oid: string): Promise<TreeEntry[]> {
    let found = this.trees.get(oid);
    if (!found) {
      found = this.base().then(async ({ git, opts }) => {
        try {
          return (await git.readTree({ ...opts, oid })).tree;
        } catch (err) {
          // isomorphic-git refuses a whole tree holding a name such as "..", which only a
          // hostile peer's plumbing makes: read it byte by byte, so that callers see (and
          // reject) the bad entry while the good ones beside it still count.
          const { object, type } = await git.readObject({ ...opts, oid, format: 'content' });
          if (type !== 'tree') throw err;
          return parseTreeObject(object as Uint8Array) as TreeEntry[];
        }
      });
      this.trees.set(oid, found);
    }
    return found;
  }

  commit(oid: string): Promise<{ tree: string; parent: string[] }> {
    let found = this.commits.get(oid);
    if (!found) {
      found = this.base().then(
        async ({ git, opts }) => (await git.readCommit({ ...opts, oid })).commit,
      );
      this.commits.set(oid, found);
    }
    return found;
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
