/**
 * Atomic file replacement: write a temporary file beside the target, flush it to disk,
 * rename it over the target. A reader (or a crash) sees the old file or the new one,
 * never half of either.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const TEMP_MARKER = '.tmp-';

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.includes(TEMP_MARKER);
}

/**
 * Folders this process made or found: a sync writes thousands of files into 256 shards,
 * and asking the kernel to create an existing folder each time showed in its profile.
 */
const known = new Set<string>();

export async function ensureDir(dir: string): Promise<void> {
  if (known.has(dir)) return;
  await mkdir(dir, { recursive: true });
  known.add(dir);
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number; fsync?: boolean } = {},
): Promise<void> {
  const dir = dirname(path);
  await ensureDir(dir);
  const temp = join(
    dir,
    `.${basename(path)}${TEMP_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const handle = await open(temp, 'wx', options.mode ?? 0o644).catch(async (err: unknown) => {
    // A folder removed since we saw it (a long-lived server, a user's rm): make it again.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    known.delete(dir);
    await ensureDir(dir);
    return open(temp, 'wx', options.mode ?? 0o644);
  });
  try {
    await handle.writeFile(data);
    if (options.fsync !== false) await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Removes temporary files an interrupted writer left in `dir`. Call only under the lock. */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter(isTempFile).map((name) => rm(join(dir, name), { force: true })));
}
