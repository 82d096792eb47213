/**
 * What a file or folder is, without reading it: the one way our caches (the catalog, the
 * search index) decide whether what they recorded about a path still holds. It is what
 * git's index keeps: size, modification time, change time and inode.
 *
 * The change time (ctime) is what makes it hold against a careful edit: the kernel sets it
 * to the current time on every write, rename, chmod or `touch`, and nothing can set it
 * back, so an edit whose modification time is restored (`touch -r`) and whose size is
 * unchanged still changes the stamp. A new file in its place (an editor's save, `git
 * checkout`) changes the inode too. A stamp that differs proves nothing about the content
 * either: the caller reads the file again (a chmod changes the stamp, not the bytes).
 *
 * The racy-git rule: a stamp taken within RACY_MS of the path's last change cannot tell a
 * later change in the same clock tick from none (file systems keep times in coarse ticks,
 * two seconds on FAT), so such a stamp is never trusted; the path is read again until a
 * stamp taken later is.
 */
import { lstatSync, type Stats } from 'node:fs';

export const RACY_MS = 2000;

/** [size, mtimeMs, ctimeMs, ino]. */
export type Stamp = readonly [size: number, mtimeMs: number, ctimeMs: number, ino: number];

/** Numbers per stamp where stamps are stored as a column. */
export const STAMP_LENGTH = 4;

export function stampOf(stats: Stats): Stamp {
  return [stats.size, stats.mtimeMs, stats.ctimeMs, stats.ino];
}

/** The stamp of whatever is at `path` (a link itself, never its target), or undefined. */
export function stampAt(path: string): { stamp: Stamp; stats: Stats } | undefined {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  return stats ? { stamp: stampOf(stats), stats } : undefined;
}

export function sameStamp(a: ArrayLike<number> | undefined, b: ArrayLike<number>): boolean {
  if (!a || a.length < STAMP_LENGTH) return false;
  for (let i = 0; i < STAMP_LENGTH; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Whether `recorded`, taken no later than `takenAt` (ms since the epoch), still proves the
 * path unchanged when it equals the stamp seen now.
 */
export function trusted(
  recorded: ArrayLike<number> | undefined,
  now: Stamp,
  takenAt: number,
): boolean {
  return sameStamp(recorded, now) && Math.max(now[1], now[2]) < takenAt - RACY_MS;
}
