/**
 * The index against the files: whatever the index says about a memory is said only while
 * its file is still the one the index read. Each row keeps the stamp of its file
 * (file-stamp.ts) and when it was taken; before a row is shown its file is looked at (one
 * lstat), and a file whose stamp differs, or whose stamp is too recent to prove anything,
 * is read and checked again. A file that is still the same memory (a chmod, a checkout that
 * rewrote the same bytes) is shown and its new stamp kept; a file that no longer verifies is
 * not shown, and is reported as `list` reports it; a file that is gone is not shown.
 *
 * Only the rows an answer shows are looked at: a query reads the stamps of its twenty
 * results, not of every memory, so its cost does not grow with the repository. Reading a
 * file again needs the schemas (judge.ts), which an answer from unchanged files never
 * loads: a check made without them says which rows need them, and the answer is made
 * again with them (withSearchIndex).
 */
import { join } from 'node:path';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { stampAt, trusted, type Stamp } from '../ground/file-stamp.js';
import { memoryPath, REM_DIR } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import type { StampAt } from './build.js';
import { float64s, STAMP_ROW, type IndexFile, type LeftOut } from './index-file.js';
import { idAt } from './query.js';

/** What a path under .remembrancer/ holds now, judged as `list` judges it (judge.ts). */
export type Judged =
  | { stamp: Stamp; takenAt: number; memory: Memory }
  | { stamp: Stamp; takenAt: number; problem: RemembrancerError };

export type Judge = (
  snapshot: WorkingTreeSnapshot,
  remDir: string,
  path: string,
) => Judged | undefined;

export function leftOut(path: string, judged: Judged & { problem: RemembrancerError }): LeftOut {
  const { code, message, file, fix } = judged.problem;
  return {
    path,
    stamp: judged.stamp,
    takenAt: judged.takenAt,
    problem: {
      code,
      message,
      ...(file === undefined ? {} : { file }),
      ...(fix === undefined ? {} : { fix }),
    },
  };
}

export function problemOf(entry: LeftOut): RemembrancerError {
  const { code, message, file, fix } = entry.problem;
  return new RemembrancerError(code, message, {
    ...(file === undefined ? {} : { file }),
    ...(fix === undefined ? {} : { fix }),
  });
}

/** The path (relative to .remembrancer/) a problem names, where it names one there. */
export function pathOfProblem(problem: RemembrancerError): string | undefined {
  const file = problem.file;
  if (file === REM_DIR) return '';
  return file?.startsWith(`${REM_DIR}/`) ? file.slice(REM_DIR.length + 1) : undefined;
}

/**
 * How the files left out before look now: 'same' where every one is as it was judged, and
 * still reported; 'racy' where one looks the same but was judged too soon after it changed
 * to prove it; 'changed' where one changed or went.
 */
export function lookAtLeftOut(
  remDir: string,
  left: LeftOut[],
): { state: 'same' | 'racy' | 'changed'; problems: RemembrancerError[] } {
  let state: 'same' | 'racy' | 'changed' = 'same';
  const problems: RemembrancerError[] = [];
  for (const entry of left) {
    const at = stampAt(entry.path === '' ? remDir : join(remDir, entry.path));
    if (!at) {
      state = 'changed';
      continue;
    }
    if (!trusted(entry.stamp, at.stamp, entry.takenAt)) {
      const same = entry.stamp.every((n, i) => n === at.stamp[i]);
      if (!same) state = 'changed';
      else if (state === 'same') state = 'racy';
    }
    problems.push(problemOf(entry));
  }
  return { state, problems };
}

/** What a look at a row's file found, where its recorded stamp did not prove it unchanged. */
export type Finding =
  | { id: string; state: 'same'; stamp: StampAt }
  | { id: string; state: 'gone' }
  | { id: string; state: 'invalid'; left: LeftOut };

/** Looks at the files of the rows an answer shows. One per answer, or per TUI session. */
export class DiskCheck {
  /** Rows whose file was read again, by slot. */
  readonly findings = new Map<number, Finding>();
  /** Set when a row's file had to be read again and no judge was given: nothing was shown. */
  needsJudge = false;
  private readonly snapshot: WorkingTreeSnapshot;

  constructor(
    private readonly repo: Repository,
    private readonly file: IndexFile,
    /** How a changed file is read and checked (judge.ts); without one, it is not shown. */
    private readonly judge?: Judge,
  ) {
    this.snapshot = new WorkingTreeSnapshot(repo.remDir);
  }

  /** Reads the stamps of every row at once: for answers that show most of them. */
  preload(): void {
    this.file.section('stamps');
  }

  /** Whether the memory in `slot` may be shown: its file is still the one indexed. */
  current(slot: number): boolean {
    const id = idAt(this.file, slot);
    const path = memoryPath(id);
    // Concatenated, not joined: path.join costs as much as the lstat itself here.
    const now = stampAt(`${this.repo.remDir}/${path}`);
    if (!now) {
      this.findings.set(slot, { id, state: 'gone' });
      return false;
    }
    if (now.stats.isFile()) {
      const row = float64s(this.file.slice('stamps', slot * STAMP_ROW * 8, STAMP_ROW * 8));
      if (trusted(row, now.stamp, row[STAMP_ROW - 1] as number)) return true;
      // Read again earlier in this answer (or this TUI session), and unchanged since.
      const found = this.findings.get(slot);
      if (found?.state === 'same' && trusted(found.stamp, now.stamp, found.stamp[4])) return true;
      if (found?.state === 'invalid' && trusted(found.left.stamp, now.stamp, found.left.takenAt)) {
        return false;
      }
    }
    if (!this.judge) {
      this.needsJudge = true;
      return false;
    }
    const judged = this.judge(this.snapshot, this.repo.remDir, path);
    if (!judged) {
      this.findings.set(slot, { id, state: 'gone' });
      return false;
    }
    if ('problem' in judged) {
      this.findings.set(slot, { id, state: 'invalid', left: leftOut(path, judged) });
      return false;
    }
    // The same name and a valid file: the same signed content, so the same indexed text.
    this.findings.set(slot, { id, state: 'same', stamp: [...judged.stamp, judged.takenAt] });
    return true;
  }

  /** The files found not to verify, as `list` reports them. */
  problems(): RemembrancerError[] {
    return [...this.findings.values()].flatMap((f) =>
      f.state === 'invalid' ? [problemOf(f.left)] : [],
    );
  }
}
