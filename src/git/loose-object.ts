/**
 * Writing blobs as git's loose objects with node's own zlib. isomorphic-git deflates each
 * object through a stream (or pako), which dominates committing thousands of memories at
 * once (a federation sync); git's format is small enough to write directly: the zlib
 * deflate of "blob <size>\0<bytes>", named by the SHA-1 of that header and content.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { ensureDir } from '../ground/atomic-write.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { gitBlobOid } from './history.js';

export async function writeLooseBlob(
  gitdir: string,
  content: Uint8Array,
  oid: string = gitBlobOid(content),
): Promise<string> {
  const dir = join(gitdir, 'objects', oid.slice(0, 2));
  const path = join(dir, oid.slice(2));
  if (existsSync(path)) return oid; // a stat that does not throw when, as usual, it is new
  await ensureDir(dir);
  const header = Buffer.from(`blob ${content.length}\0`);
  const temp = join(dir, `tmp_obj_${process.pid}_${randomBytes(4).toString('hex')}`);
  // Level 1, as git's own core.looseCompression default: loose objects favour speed.
  const deflated = deflateSync(Buffer.concat([header, content]), { level: 1 });
  await writeFile(temp, deflated, { mode: 0o444 }).catch(async (err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dir, { recursive: true }); // removed since we saw it (gc prunes empty folders)
    await writeFile(temp, deflated, { mode: 0o444 });
  });
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return oid;
}
