/**
 * Finding the repository: the working tree that holds `.remembrancer/` and its git
 * directory. Plain file system calls, so that even --help-level commands stay fast.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { RemembrancerError } from './errors.js';
import { CONFIG_FILE, REM_DIR } from './paths.js';

export interface Repository {
  /** Absolute path of the working tree's top folder. */
  root: string;
  /** Absolute path of the git directory (.git, or where a .git file points). */
  gitdir: string;
  /** Absolute path of `.remembrancer/`. */
  remDir: string;
}

function gitdirOf(dir: string): string | undefined {
  const dotgit = join(dir, '.git');
  let stats;
  try {
    stats = statSync(dotgit);
  } catch {
    return undefined;
  }
  if (stats.isDirectory()) return dotgit;
  if (stats.isFile()) {
    // Worktrees and submodules: ".git" is a file saying "gitdir: <path>".
    const m = /^gitdir:\s*(.+)\s*$/m.exec(readFileSync(dotgit, 'utf8'));
    if (m) {
      const target = (m[1] as string).trim();
      return isAbsolute(target) ? target : resolve(dir, target);
    }
  }
  return undefined;
}

/** The repository containing `cwd`, searching upward like git does. */
export function findRepository(cwd: string): Repository {
  let dir = resolve(cwd);
  for (;;) {
    const gitdir = gitdirOf(dir);
    if (gitdir && existsSync(join(gitdir, 'commondir'))) {
      // A linked worktree keeps HEAD and the index apart from the shared objects and refs;
      // isomorphic-git cannot split them, and would commit into the wrong place.
      throw new RemembrancerError(
        'NOT_A_GIT_REPOSITORY',
        `${dir} is a linked git worktree, which remembrancer cannot write to yet`,
        {
          fix: 'run it in the main worktree, or in a separate clone (git clone)',
        },
      );
    }
    if (gitdir) return { root: dir, gitdir, remDir: join(dir, REM_DIR) };
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RemembrancerError(
    'NOT_A_GIT_REPOSITORY',
    `not inside a git repository (searched upward from ${resolve(cwd)})`,
    { fix: 'run it inside a git repository, or create one with `git init`' },
  );
}

export function isInitialized(repo: Repository): boolean {
  return existsSync(join(repo.remDir, CONFIG_FILE));
}

/** The repository, which must already hold `.remembrancer/config.json`. */
export function requireInitialized(repo: Repository): Repository {
  if (!isInitialized(repo)) {
    throw new RemembrancerError('NOT_INITIALIZED', `${repo.root} has no ${REM_DIR}/ yet`, {
      fix: 'run `remembrancer init` at the top of the repository first',
    });
  }
  return repo;
}

/** Lock file that serialises every write to this repository's memory. */
export function lockPath(repo: Repository): string {
  return join(repo.gitdir, 'remembrancer.lock');
}

/** Folder for caches that never travel with the repository. */
export function cacheDir(repo: Repository): string {
  return join(repo.gitdir, 'remembrancer');
}
