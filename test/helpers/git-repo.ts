/**
 * Plain git repositories in temporary folders for in-process tests of src/ modules: made
 * and inspected with the real `git` binary (argument arrays, never a shell), with a HOME
 * and config of their own so that no user setting leaks in. Removed after the test file.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Repository } from '../../src/ground/repository.js';
import { Sandbox, sandboxTracker } from './cli.js';

export interface GitRepo {
  /** The temporary folder holding the repository, HOME and anything else a test makes. */
  dir: string;
  /** The working tree (for a bare repository, the repository itself). */
  root: string;
  gitdir: string;
  /** What src/ modules take: root, git directory and .remembrancer/. */
  repo: Repository;
  env: NodeJS.ProcessEnv;
  /** git's stdout, trimmed; throws when git exits non-zero. */
  git(args: string[], input?: string | Buffer): string;
  /** git's stdout as bytes, untouched (cat-file of a blob). */
  gitBytes(args: string[], input?: string | Buffer): Buffer;
  /** Writes a file of the working tree, making its folders. */
  write(path: string, content: string | Buffer): string;
  /** Writes, adds and commits files; returns the new commit id. */
  commit(message: string, files?: Record<string, string | Buffer>): string;
}

/**
 * Call at the top level of a test file: returns a maker of repositories removed afterAll,
 * new (bare or not) or a copy of one already made (`from`), for a test that damages it.
 */
export function gitRepos(): (options?: { bare?: boolean; from?: GitRepo }) => GitRepo {
  const track = sandboxTracker();
  return (options = {}) => {
    const s = track(new Sandbox());
    const root = s.repo;
    const gitBytes = (args: string[], input?: string | Buffer): Buffer =>
      execFileSync('git', args, {
        cwd: root,
        env: s.env,
        input,
        maxBuffer: 256 * 1024 * 1024,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    const git = (args: string[], input?: string | Buffer) =>
      gitBytes(args, input).toString('utf8').trim();
    const bare = options.from ? options.from.gitdir === options.from.root : options.bare;
    if (options.from) cpSync(options.from.root, root, { recursive: true });
    else git(bare ? ['init', '-q', '--bare', '-b', 'main'] : ['init', '-q', '-b', 'main']);
    const gitdir = bare ? root : join(root, '.git');
    const write = (path: string, content: string | Buffer) => {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    };
    return {
      dir: s.dir,
      root,
      gitdir,
      repo: { root, gitdir, remDir: join(root, '.remembrancer') },
      env: s.env,
      git,
      gitBytes,
      write,
      commit(message, files = {}) {
        for (const [path, content] of Object.entries(files)) write(path, content);
        git(['add', '-A']);
        git(['commit', '-q', '--allow-empty', '-m', message]);
        return git(['rev-parse', 'HEAD']);
      },
    };
  };
}

/** Every object id in the repository, loose or packed, as `git cat-file` lists them. */
export function allObjects(r: GitRepo): string[] {
  return r
    .git(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'])
    .split('\n')
    .filter(Boolean);
}

/** Each object's type and bytes as `git cat-file --batch` gives them: git's own reading. */
export function catFile(
  r: GitRepo,
  oids: string[],
): Map<string, { type: string; content: Buffer }> {
  const out = r.gitBytes(['cat-file', '--batch'], oids.join('\n') + '\n');
  const objects = new Map<string, { type: string; content: Buffer }>();
  let at = 0;
  for (const oid of oids) {
    const eol = out.indexOf(0x0a, at);
    const [name, type, size] = out.toString('latin1', at, eol).split(' ');
    if (name !== oid || size === undefined) throw new Error(`git has no object ${oid}`);
    const start = eol + 1;
    objects.set(oid, {
      type: type as string,
      content: out.subarray(start, start + Number(size)),
    });
    at = start + Number(size) + 1;
  }
  return objects;
}

/** The objects of a pack as `git verify-pack -v` lists them: type, offset, delta base. */
export function verifyPack(
  r: GitRepo,
  idx: string,
): { oid: string; type: string; size: number; packed: number; offset: number; base?: string }[] {
  return r
    .git(['verify-pack', '-v', idx])
    .split('\n')
    .map((l) => l.split(/\s+/))
    .filter((f) => /^[0-9a-f]{40}$/.test(f[0] ?? '') && /^(commit|tree|blob|tag)$/.test(f[1] ?? ''))
    .map((f) => ({
      oid: f[0] as string,
      type: f[1] as string,
      size: Number(f[2]),
      packed: Number(f[3]),
      offset: Number(f[4]),
      ...(f[6] ? { base: f[6] } : {}),
    }));
}
