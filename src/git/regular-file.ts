/**
 * Opening a file of a repository that may not be ours (a peer's, at a path on this
 * machine) so that what it holds cannot stop us: anything but a regular file is refused
 * before a byte is read. Opened plainly, a FIFO waits for ever for a writer, and a device
 * such as /dev/zero (a symbolic link to it) never ends. O_NONBLOCK lets the open of a FIFO
 * return at once, and the open file, not its name, is what is checked, so the file cannot
 * be swapped between the check and the read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { MAX_OBJECT_BYTES } from './limits.js';

const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class NotRegularFileError extends Error {
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super(`${path} is ${what}, where a repository keeps a file`);
    this.name = 'NotRegularFileError';
  }
}

/** The file is too large to be read whole: a repository's small files never are. */
export class FileTooLargeError extends Error {}

function kind(stats: Stats): string | undefined {
  if (stats.isFile()) return undefined;
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** A descriptor open for reading on `path`, a regular file; the caller closes it. */
export function openRegular(path: string): number {
  const fd = openSync(path, FLAGS);
  const what = kind(fstatSync(fd));
  if (what === undefined) return fd;
  closeSync(fd);
  throw new NotRegularFileError(path, what);
}

/** The whole of a regular file, of at most `max` bytes when given. */
export function readRegular(path: string, max = Infinity): Buffer {
  const fd = openRegular(path);
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new FileTooLargeError(`${path} is ${size} bytes, over ${max}`);
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/** readRegular for isomorphic-git's file system: its readFile, with an encoding or none. */
export async function readRegularAsync(
  path: string,
  options?: BufferEncoding | { encoding?: BufferEncoding | null } | null,
  max = MAX_OBJECT_BYTES,
): Promise<Buffer | string> {
  const handle = await open(path, FLAGS);
  try {
    const stats = await handle.stat();
    const what = kind(stats);
    if (what !== undefined) throw new NotRegularFileError(path, what);
    if (stats.size > max)
      throw new FileTooLargeError(`${path} is ${stats.size} bytes, over ${max}`);
    const data = await handle.readFile();
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding ? data.toString(encoding) : data;
  } finally {
    await handle.close();
  }
}
