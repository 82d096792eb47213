/**
 * The intent log of a write to the repository: written under the repository lock before
 * the first file is renamed in, removed once the commit is made. A process killed in
 * between (kill -9, power loss) leaves it behind, and the next command that takes the lock
 * reads it to finish or undo that work (recovery.ts) instead of leaving files on disk that
 * nothing commits or counts.
 *
 * One JSON object per line, each appended and flushed: `begin` (what will be written, and
 * what each file held before, kept as a git blob), then `renamed` once every file is in
 * place, then `commit` with the new commit's id just before the branch moves to it. A line
 * torn by a crash is ignored: the steps it would have recorded had not completed.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { GitIdentity } from '../git/identity.js';
import { writeFileAtomic } from '../ground/atomic-write.js';
import type { Repository } from '../ground/repository.js';

export const JOURNAL_FILE = 'remembrancer.journal';

export function journalPath(repo: Repository): string {
  return join(repo.gitdir, JOURNAL_FILE);
}

/** A file of the interrupted write: its path and git blob ids before and after (null: absent). */
export type JournalFile = [path: string, before: string | null, after: string | null];

export interface JournalBegin {
  op: 'begin';
  version: 1;
  /** The command that wrote it, as the user would recognise it ("record decision"). */
  command: string;
  pid: number;
  host: string;
  started: string;
  /** Commit the files (and with what), or only stage them (--no-commit). */
  mode: 'commit' | 'stage';
  message?: string;
  who?: { author: GitIdentity; committer: GitIdentity };
  files: JournalFile[];
}

export interface JournalState {
  begin: JournalBegin;
  /** Every file was renamed into place. */
  renamed: boolean;
  /** The commit about to become the branch's tip. */
  commit?: string;
}

export class Journal {
  private constructor(private readonly path: string) {}

  static async begin(
    repo: Repository,
    begin: Omit<JournalBegin, 'op' | 'version' | 'pid' | 'host' | 'started'>,
  ): Promise<Journal> {
    const path = journalPath(repo);
    const line: JournalBegin = {
      op: 'begin',
      version: 1,
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
      ...begin,
    };
    await writeFileAtomic(path, JSON.stringify(line) + '\n');
    return new Journal(path);
  }

  /** Appends a step and flushes it before the caller goes on to the next. */
  async mark(step: { op: 'renamed' } | { op: 'commit'; commit: string }): Promise<void> {
    const handle = await open(this.path, 'a');
    try {
      await handle.writeFile(JSON.stringify(step) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async end(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

/** The journal an interrupted write left, or undefined when there is none (or no begin line). */
export async function readJournal(repo: Repository): Promise<JournalState | undefined> {
  let text: string;
  try {
    text = await readFile(journalPath(repo), 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  let begin: JournalBegin | undefined;
  const state: Omit<JournalState, 'begin'> = { renamed: false };
  for (const line of lines) {
    if (line.trim() === '') continue;
    let step: { op?: unknown; commit?: unknown };
    try {
      step = JSON.parse(line) as typeof step;
    } catch {
      break; // torn by the crash: what it would have said did not happen
    }
    if (step.op === 'begin') begin = step as JournalBegin;
    else if (step.op === 'renamed') state.renamed = true;
    else if (step.op === 'commit' && typeof step.commit === 'string') state.commit = step.commit;
  }
  if (!begin || begin.version !== 1 || !Array.isArray(begin.files)) return undefined;
  return { begin, ...state };
}
