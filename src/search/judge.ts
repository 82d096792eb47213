/**
 * Reading and checking one file under .remembrancer/ as `list` does, with the stamp of the
 * file read: what the search index records about a file, and how it looks at one whose
 * stamp changed (on-disk.ts). Apart from on-disk.ts because it loads the schemas.
 */
import { join } from 'node:path';
import { decodeMemory, MAX_MEMORY_BYTES } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { stampAt } from '../ground/file-stamp.js';
import { parseMemoryPath } from '../ground/paths.js';
import { symlinkRefused, type WorkingTreeSnapshot } from '../ground/snapshot.js';
import { unexpected } from '../store/store.js';
import type { Judged } from './on-disk.js';

/**
 * Reads and checks the file at `path` (relative to .remembrancer/), with the stamp of the
 * file read. Undefined where nothing is there to report: no file, or a real folder.
 */
export function judgeFile(
  snapshot: WorkingTreeSnapshot,
  remDir: string,
  path: string,
): Judged | undefined {
  // Taken before the file is looked at, so a change after the look is never trusted.
  const takenAt = Date.now();
  const at = stampAt(path === '' ? remDir : join(remDir, path));
  if (!at) return undefined;
  const { stamp, stats } = at;
  if (stats.isSymbolicLink()) return { stamp, takenAt, problem: symlinkRefused(path) };
  if (stats.isDirectory()) return undefined;
  if (!stats.isFile() || !parseMemoryPath(path)) {
    return {
      stamp,
      takenAt,
      problem: unexpected({ path, kind: stats.isFile() ? 'file' : 'other' }),
    };
  }
  let file;
  try {
    file = snapshot.readStamped(path, MAX_MEMORY_BYTES);
  } catch (err) {
    if (err instanceof RemembrancerError) return { stamp, takenAt, problem: err };
    throw err;
  }
  if (!file) return undefined;
  try {
    return { stamp: file.stamp, takenAt, memory: decodeMemory(path, file.bytes) };
  } catch (err) {
    if (err instanceof RemembrancerError) return { stamp: file.stamp, takenAt, problem: err };
    throw err;
  }
}
