/**
 * writeLooseBlob writes a blob as git's own loose object: named as `git hash-object`
 * names it, read back by `git cat-file`, accepted by `git fsck --strict`, read-only, and
 * written once.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitBlobOid } from '../../../src/git/history.js';
import { writeLooseBlob } from '../../../src/git/loose-object.js';
import { gitRepos } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

describe('writeLooseBlob', () => {
  const contents = [
    Buffer.from('{"memory": true}\n'),
    Buffer.alloc(0),
    Buffer.from([0, 255, 10, 13, 0]),
    Buffer.alloc(300_000, 'ab'),
  ];

  it('writes blobs git reads back byte for byte, under the names git gives them', async () => {
    const r = newRepo();
    for (const content of contents) {
      const oid = await writeLooseBlob(r.gitdir, content);
      expect(oid).toBe(r.git(['hash-object', '--stdin'], content));
      expect(gitBlobOid(content)).toBe(oid);
      expect(r.gitBytes(['cat-file', 'blob', oid]).equals(content)).toBe(true);
      const file = join(r.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
      expect(statSync(file).mode & 0o777).toBe(0o444);
    }
    r.git(['fsck', '--strict', '--no-progress']);
  });

  it('writes an object once, and leaves no temporary file behind', async () => {
    const r = newRepo();
    const content = contents[0] as Buffer;
    const oid = await writeLooseBlob(r.gitdir, content);
    const file = join(r.gitdir, 'objects', oid.slice(0, 2), oid.slice(2));
    const before = statSync(file);
    expect(await writeLooseBlob(r.gitdir, content)).toBe(oid);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(file).ino).toBe(before.ino);
    expect(readdirSync(join(r.gitdir, 'objects', oid.slice(0, 2)))).toEqual([oid.slice(2)]);
  });
});
