/**
 * parseTreeObject, our reader of raw tree objects, against `git ls-tree` on trees made by
 * `git mktree`: every mode git writes (file, executable, symbolic link, folder,
 * submodule), names with spaces and non-ASCII letters, in git's order; a tree cut short
 * is refused.
 */
import { describe, expect, it } from 'vitest';
import { parseTreeObject } from '../../../src/git/tree-object.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

/** A tree holding an entry of every kind, made with git's plumbing. */
function mixedTree(r: GitRepo): string {
  const blob = r.git(['hash-object', '-w', '--stdin'], 'content\n');
  const link = r.git(['hash-object', '-w', '--stdin'], 'target/of/link');
  const sub = r.git(['mktree'], `100644 blob ${blob}\tinside.txt\n`);
  const commit = r.git(['commit-tree', sub, '-m', 'a commit a submodule points at']);
  const lines = [
    `100644 blob ${blob}\tplain.txt`,
    `100755 blob ${blob}\trun me.sh`,
    `120000 blob ${link}\tlink`,
    `040000 tree ${sub}\tfolder`,
    `160000 commit ${commit}\tsubmodule`,
    `100644 blob ${blob}\tnaïve – ünïcode.md`,
    `100644 blob ${blob}\ta.b`,
    `040000 tree ${sub}\ta`,
  ];
  return r.git(['mktree'], lines.join('\n') + '\n');
}

/** `git ls-tree -z` of a tree, as parseTreeObject gives entries. */
function lsTree(r: GitRepo, tree: string) {
  return r
    .gitBytes(['ls-tree', '-z', tree])
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      const [mode, type, oid] = meta.split(' ') as [string, string, string];
      return { mode, path, oid, type };
    });
}

describe('parseTreeObject', () => {
  it('reads every entry as git ls-tree lists it, modes padded to six digits', () => {
    const r = newRepo();
    const tree = mixedTree(r);
    const entries = parseTreeObject(r.gitBytes(['cat-file', 'tree', tree]));
    expect(entries).toEqual(lsTree(r, tree));
    expect(entries.map((e) => e.mode)).toContain('040000'); // git stores "40000"
    expect(entries.find((e) => e.path === 'submodule')?.type).toBe('commit');
    expect(entries.find((e) => e.path === 'link')?.mode).toBe('120000');
  });

  it('reads the empty tree as no entries', () => {
    const r = newRepo();
    const empty = r.git(['mktree'], '');
    expect(parseTreeObject(r.gitBytes(['cat-file', 'tree', empty]))).toEqual([]);
  });

  it('refuses a tree cut anywhere inside an entry', () => {
    const r = newRepo();
    const raw = r.gitBytes(['cat-file', 'tree', mixedTree(r)]);
    const firstEnd = raw.indexOf(0) + 21;
    for (const cut of [3, raw.indexOf(0x20) + 2, raw.indexOf(0) + 1, firstEnd - 1]) {
      expect(() => parseTreeObject(raw.subarray(0, cut)), `${cut} bytes`).toThrow('malformed tree');
    }
    expect(parseTreeObject(raw.subarray(0, firstEnd))).toHaveLength(1);
  });
});
