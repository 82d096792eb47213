/**
 * writeFilesTree and readFilesTree: a set of files written as a git tree has the id git
 * gives the same files committed in a folder (`git rev-parse HEAD:folder`), in git's
 * order of names, and reads back byte for byte.
 */
import { describe, expect, it } from 'vitest';
import { readFilesTree, writeFilesTree, type TreeFile } from '../../../src/git/tree.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

// Names whose order in a tree is git's, not a plain sort: a folder sorts as "a/".
const files: TreeFile[] = [
  { path: 'a.b', content: Buffer.from('dot\n') },
  { path: 'a/b.txt', content: Buffer.from('in a folder\n') },
  { path: 'a-b', content: Buffer.from('dash\n') },
  { path: 'a/deeper/c.bin', content: Buffer.from([0, 1, 2, 255]) },
  { path: 'README.md', content: Buffer.from('# generated\n') },
  { path: 'empty', content: Buffer.alloc(0) },
];

describe('writeFilesTree', () => {
  it('gives the tree id git gives the same files committed in a folder', async () => {
    const r = newRepo();
    const tree = await writeFilesTree(r.repo, files);
    for (const f of files) r.write(`gen/${f.path}`, Buffer.from(f.content));
    r.commit('the same files, by git');
    expect(tree).toBe(r.git(['rev-parse', 'HEAD:gen']));
    expect(r.git(['cat-file', '-t', tree])).toBe('tree');
    r.git(['fsck', '--strict', '--no-dangling']);
  });

  it('reads back every file byte for byte, and nothing for a tree it does not hold', async () => {
    const r = newRepo();
    const tree = await writeFilesTree(r.repo, files);
    const back = await readFilesTree(r.repo, tree);
    const hex = (entries: Iterable<[string, Uint8Array]>) =>
      Object.fromEntries([...entries].map(([path, c]) => [path, Buffer.from(c).toString('hex')]));
    expect(hex(back ?? [])).toEqual(hex(files.map((f) => [f.path, f.content])));
    expect(await readFilesTree(r.repo, 'e'.repeat(40))).toBeUndefined();
  });
});
