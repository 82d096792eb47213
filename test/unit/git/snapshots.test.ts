/**
 * CommitSnapshot and IndexSnapshot, .remembrancer/ as git stores it: a commit's files as
 * `git ls-tree -r` lists them, the index's as `git ls-files -s` does (what is staged, not
 * what is on disk), each read back as git holds it, and a file over the size asked for
 * refused from its header.
 */
import { describe, expect, it } from 'vitest';
import { CommitSnapshot, headCommit, IndexSnapshot } from '../../../src/git/snapshots.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

const kinds: Record<string, string> = { '100644': 'file', '100755': 'file', '120000': 'symlink' };

/** git's listing of .remembrancer/, as snapshot entries. */
function gitListing(r: GitRepo, args: string[]) {
  return r
    .gitBytes(args)
    .toString('utf8')
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, path] = line.split('\t') as [string, string];
      const [mode, second, third] = meta.split(' ') as [string, string, string];
      const oid = /^[0-9a-f]{40}$/.test(second) ? second : third;
      return { path: path.slice('.remembrancer/'.length), kind: kinds[mode] ?? 'other', oid };
    })
    .sort((a, b) => (a.path < b.path ? -1 : 1));
}

function repoWithMemories(): GitRepo {
  const r = newRepo();
  r.commit('memories', {
    '.remembrancer/config.json': '{"node":"n"}\n',
    '.remembrancer/memories/ab/ab12.json': '{"a":1}\n',
    '.remembrancer/trust/keys/K.asc': 'key\n',
    'outside.txt': 'not ours\n',
  });
  const link = r.git(['hash-object', '-w', '--stdin'], 'elsewhere');
  r.git(['update-index', '--add', '--cacheinfo', `120000,${link},.remembrancer/link`]);
  r.git(['update-index', '--add', '--cacheinfo', `160000,${'c'.repeat(40)},.remembrancer/sub`]);
  r.git(['commit', '-q', '-m', 'a link and a submodule']);
  return r;
}

describe('CommitSnapshot', () => {
  it('lists .remembrancer/ of a commit as git ls-tree -r does, and reads each file', async () => {
    const r = repoWithMemories();
    const head = r.git(['rev-parse', 'HEAD']);
    const snapshot = new CommitSnapshot(r.repo, head, 'HEAD');
    expect(snapshot.label).toBe(`HEAD (${head.slice(0, 7)})`);
    const entries = await snapshot.list();
    expect(entries).toEqual(gitListing(r, ['ls-tree', '-r', '-z', head, '.remembrancer/']));
    expect(entries.map((e) => e.kind).sort()).toEqual(['file', 'file', 'file', 'other', 'symlink']);
    expect((await snapshot.list('trust/')).map((e) => e.path)).toEqual(['trust/keys/K.asc']);
    const read = await snapshot.read('memories/ab/ab12.json');
    expect(Buffer.from(read as Uint8Array).toString()).toBe('{"a":1}\n');
    expect(await snapshot.read('link')).toBeUndefined(); // a link is never read through
    expect(await snapshot.read('nothing.json')).toBeUndefined();
  });

  it('refuses a file over the size asked for, naming it', async () => {
    const r = repoWithMemories();
    const snapshot = new CommitSnapshot(r.repo, r.git(['rev-parse', 'HEAD']), 'HEAD');
    await expect(snapshot.read('memories/ab/ab12.json', 3)).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
      file: '.remembrancer/memories/ab/ab12.json',
    });
  });

  it('is empty for a commit with no .remembrancer/', async () => {
    const r = newRepo();
    const commit = r.commit('plain', { 'a.txt': 'a\n' });
    expect(await new CommitSnapshot(r.repo, commit, 'HEAD').list()).toEqual([]);
  });
});

describe('IndexSnapshot', () => {
  it('lists what is staged as git ls-files -s does, and reads the staged bytes', async () => {
    const r = repoWithMemories();
    r.write('.remembrancer/memories/cd/cd34.json', '{"staged":true}\n');
    r.git(['add', '.remembrancer/memories/cd/cd34.json']);
    r.write('.remembrancer/memories/cd/cd34.json', '{"changed on disk since":true}\n');
    r.write('.remembrancer/untracked.json', '{}\n');
    const snapshot = new IndexSnapshot(r.repo);
    const entries = await snapshot.list();
    const staged = gitListing(r, ['ls-files', '-s', '-z', '.remembrancer/']);
    // The submodule entry too, as 'other', as a commit lists it: the covenant of a staged
    // change must see what the covenant of its commit will.
    expect(entries).toEqual(staged);
    expect(entries.find((e) => e.path === 'sub')?.kind).toBe('other');
    const read = await snapshot.read('memories/cd/cd34.json');
    expect(Buffer.from(read as Uint8Array).toString()).toBe('{"staged":true}\n');
  });
});

describe('headCommit', () => {
  it('is undefined before the first commit, then what HEAD points at', async () => {
    const r = newRepo();
    expect(await headCommit(r.repo)).toBeUndefined();
    expect(await headCommit(r.repo)).toBe(undefined);
    const commit = r.commit('one');
    expect(await headCommit(r.repo)).toBe(commit);
  });
});
