/**
 * HistoryReader beyond commitsBetween (test/unit/history-range.test.ts): files and trees
 * at a commit as `git rev-parse COMMIT:PATH` finds them, descent as
 * `git merge-base --is-ancestor` decides it, and the commit that added each memory file
 * as `git log --diff-filter=A` names it, on full and shallow clones.
 */
import { describe, expect, it } from 'vitest';
import { gitBlobOid, HistoryReader } from '../../../src/git/history.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

const id = (n: number) => n.toString(16).padStart(64, '0');
/** A memory file's path relative to .remembrancer/, as HistoryReader takes it. */
const memPath = (n: number) => `memories/${id(n).slice(0, 2)}/${id(n)}.json`;
const memory = (n: number) => `.remembrancer/${memPath(n)}`;

let made: { r: GitRepo; commits: string[] } | undefined;
/**
 * main: c0 (memory 1) → c1 (memory 2) → app → merge of side → c3 (memory 1 changed)
 * side from c1: s0 (memory 3)
 */
function history(): { r: GitRepo; commits: string[] } {
  if (made) return made;
  const r = newRepo();
  const c0 = r.commit('c0', { [memory(1)]: '{"n":1}\n', 'docs/readme.md': 'read me\n' });
  const c1 = r.commit('c1', { [memory(2)]: '{"n":2}\n' });
  r.git(['checkout', '-q', '-b', 'side']);
  const s0 = r.commit('s0', { [memory(3)]: '{"n":3}\n' });
  r.git(['checkout', '-q', 'main']);
  r.commit('unrelated on main', { 'src/app.txt': 'app\n' });
  r.git(['merge', '-q', '--no-edit', 'side']);
  const merge = r.git(['rev-parse', 'HEAD']);
  const c3 = r.commit('c3', { [memory(1)]: '{"n":1,"again":true}\n' });
  return (made = { r, commits: [c0, c1, s0, merge, c3] });
}

describe('gitBlobOid', () => {
  it('names bytes as git hash-object does', () => {
    const r = newRepo();
    for (const text of ['', 'a\n', '{"x": "ü"}\n']) {
      expect(gitBlobOid(Buffer.from(text))).toBe(r.git(['hash-object', '--stdin'], text));
    }
  });
});

describe('HistoryReader', () => {
  it('reads a file and a tree at a commit as git rev-parse COMMIT:PATH does', async () => {
    const { r, commits } = history();
    const reader = new HistoryReader(r.repo);
    for (const commit of commits) {
      const file = await reader.fileAt(commit, memory(1));
      expect(file?.equals(r.gitBytes(['cat-file', 'blob', `${commit}:${memory(1)}`]))).toBe(true);
      expect(await reader.treeAt(commit, '.remembrancer/memories')).toBe(
        r.git(['rev-parse', `${commit}:.remembrancer/memories`]),
      );
    }
    const head = commits.at(-1) as string;
    expect(await reader.fileAt(head, 'docs/nothing.md')).toBeUndefined();
    expect(await reader.fileAt(head, 'docs')).toBeUndefined(); // a folder is no file
    expect(await reader.fileAt(head, 'docs/readme.md/below')).toBeUndefined();
    expect(await reader.treeAt(head, 'docs/readme.md')).toBeUndefined(); // a file is no folder
  });

  it('names the folder on a path that is a symbolic link', async () => {
    const r = newRepo();
    const link = r.git(['hash-object', '-w', '--stdin'], '/etc');
    const tree = r.git(['mktree'], `120000 blob ${link}\t.remembrancer\n`);
    const commit = r.git(['commit-tree', tree, '-m', 'a link where the folder belongs']);
    const reader = new HistoryReader(r.repo);
    expect(await reader.symlinkOnPath(commit, '.remembrancer/memories')).toBe('.remembrancer');
    expect(await reader.treeAt(commit, '.remembrancer/memories')).toBeUndefined();
    const { r: plain, commits } = history();
    expect(
      await new HistoryReader(plain.repo).symlinkOnPath(commits[0] as string, '.remembrancer/x'),
    ).toBeUndefined();
  });

  it('decides descent as git merge-base --is-ancestor does, for every pair', async () => {
    const { r, commits } = history();
    const reader = new HistoryReader(r.repo);
    for (const a of commits) {
      for (const b of commits) {
        let ancestor = true;
        try {
          r.git(['merge-base', '--is-ancestor', b, a]);
        } catch {
          ancestor = false;
        }
        expect(await reader.descendsFrom(a, b), `${a} from ${b}`).toBe(ancestor);
      }
    }
  });

  it('lists the memory ids of a commit as git ls-tree finds the files', async () => {
    const { r, commits } = history();
    const reader = new HistoryReader(r.repo);
    for (const commit of commits) {
      const listed = r
        .git(['ls-tree', '-r', '--name-only', commit, '.remembrancer/memories'])
        .split('\n')
        .filter(Boolean)
        .map((p) => p.slice(-69, -5));
      expect((await reader.memoryIdsAt(commit)).sort()).toEqual(listed.sort());
    }
  });

  it('finds the commit that added each memory file, as git log --diff-filter=A names it', async () => {
    const { r, commits } = history();
    const head = commits.at(-1) as string;
    const paths = [1, 2, 3];
    const { found, unknown } = await new HistoryReader(r.repo).introducingCommits(
      head,
      paths.map(memPath),
    );
    for (const n of paths) {
      expect(found.get(memPath(n)), memory(n)).toBe(
        r.git(['log', '--diff-filter=A', '--format=%H', head, '--', memory(n)]),
      );
    }
    expect(unknown.size).toBe(0);
  });

  it('on a shallow clone, places no file at the edge and ends descent there', async () => {
    const { r, commits } = history();
    const shallow = newRepo();
    shallow.git(['fetch', '-q', '--depth', '2', `file://${r.root}`, 'main']);
    const head = shallow.git(['rev-parse', 'FETCH_HEAD']);
    expect(head).toBe(commits.at(-1));
    const reader = new HistoryReader(shallow.repo);
    const { found, unknown } = await reader.introducingCommits(head, [memPath(1), memPath(3)]);
    expect(found.size).toBe(0);
    expect([...unknown].sort()).toEqual([memPath(1), memPath(3)].sort());
    expect(await reader.descendsFrom(head, commits[0] as string)).toBe(false);
    expect(await reader.descendsFrom(head, commits[3] as string)).toBe(true);
  });

  it('refuses an object of another type than asked for, and one that is missing', async () => {
    const { r, commits } = history();
    const reader = new HistoryReader(r.repo);
    const tree = r.git(['rev-parse', `${commits[0]}^{tree}`]);
    await expect(reader.blob(tree)).rejects.toThrow(`git object ${tree} is a tree, not a blob`);
    await expect(reader.commit('d'.repeat(40))).rejects.toThrow(/is missing from/);
  });
});
