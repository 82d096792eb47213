/**
 * Atomic file replacement: write a temporary file beside the target, flush it to disk,
 * rename it over the target. A reader (or a crash) sees the old file or the new one,
 * never half of either.
 */
import { randomBytes } from 'node:crypto';
import { run } from './subprocess.js';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { mapLimit } from './map-limit.js';

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
  const temp = tempPathFor(path);
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

/** Names this process's temporary files apart from any other's, pid reuse included. */
const session = `${process.pid}-${randomBytes(4).toString('hex')}`;
let made = 0;

/** The temporary file beside `path` that a writer fills before renaming it in. */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}${TEMP_MARKER}${session}-${(made++).toString(36)}`);
}

/**
 * Many files at once (a sync's thousands of memories), each replaced atomically as
 * writeFileAtomic does, but flushed to disk together: every temporary file is written
 * without waiting for the disk, then one flush of the file system covers them all, then
 * each is renamed in. A crash leaves old files or whole new ones, never part of one, and
 * temporary files the next writer sweeps away. Waiting for ten thousand flushes one by one
 * was most of a large sync's time.
 */
export async function writeFilesAtomic(
  files: { path: string; data: Uint8Array }[],
  concurrency = 16,
  onRenamed?: (done: number) => void,
): Promise<void> {
  if (files.length === 0) return;
  const temps = files.map((f) => tempPathFor(f.path));
  try {
    await allOrFirstError(files, concurrency, async (file, i) => {
      await ensureDir(dirname(file.path));
      await writeFile(temps[i] as string, file.data, { flag: 'wx', mode: 0o644 });
    });
    await flushAll(temps, dirname(files[0]!.path), concurrency);
    let renamed = 0;
    await allOrFirstError(files, concurrency, async (file, i) => {
      await rename(temps[i] as string, file.path);
      onRenamed?.(++renamed);
    });
  } catch (err) {
    await Promise.all(temps.map((t) => rm(t, { force: true }).catch(() => undefined)));
    throw err;
  }
}

/**
 * mapLimit that, after a failure, starts nothing more and waits for what is under way
 * before throwing the first error: no write may land after the cleanup that follows.
 */
async function allOrFirstError<T>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  await mapLimit(items, limit, async (item, i) => {
    if (failure) return;
    try {
      await fn(item, i);
    } catch (error) {
      failure ??= { error };
    }
  });
  if (failure) throw failure.error;
}

const FLUSH_EACH_UP_TO = 4;

/**
 * Flushes the files to disk: on Linux with one syncfs(2) of their file system (coreutils'
 * `sync --file-system`, as node has no binding for it), elsewhere or if that fails with an
 * fsync of each.
 */
async function flushAll(paths: string[], anyDir: string, concurrency: number): Promise<void> {
  // A few files (a record's one memory) flush sooner each on its own than by starting
  // a process.
  if (process.platform === 'linux' && paths.length > FLUSH_EACH_UP_TO) {
    const flushed =
      (await run('sync', ['--file-system', '--', anyDir], { timeoutMs: 120_000, stdout: false }))
        .code === 0;
    if (flushed) return;
  }
  await mapLimit(paths, concurrency, async (path) => {
    const handle = await open(path, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
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
