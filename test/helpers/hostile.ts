/**
 * Shared steps of the hostile suite: a sync that must reject, the read verbs that must not
 * crash on what they find, and git plumbing that commits tree entries no working tree can
 * hold (names with newlines, "..", very long names), the way only a hostile peer would.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import type { RunResult, Sandbox } from './cli.js';
import type { Node, Outcome, SyncJson } from './nodes.js';

/** A CLI run that ended on its own terms: no stack trace, no "this is a bug". */
export function noCrash(r: RunResult, what = ''): void {
  const all = r.stdout + r.stderr;
  expect(all, what).not.toMatch(/this is a bug/);
  expect(all, what).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(all, what).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError):/);
}

/**
 * `federation sync NAME --json`, which must exit 1 because it rejected something; the
 * outcome for the one peer.
 */
export async function syncRejecting(node: Node, name: string, extra: string[] = []) {
  const r = await node.s.run(['federation', 'sync', name, '--json', ...extra]);
  noCrash(r);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stdout, r.stderr).toMatch(/^\{/);
  const out = JSON.parse(r.stdout) as SyncJson;
  const first = out.peers[0];
  if (!first || 'error' in first) throw new Error(`sync ${name} failed: ${r.stdout}`);
  return first;
}

/** The same sync in words, as a person sees it: stdout lines and stderr. */
export async function syncInWords(node: Node, name: string): Promise<RunResult> {
  const r = await node.s.run(['federation', 'sync', name]);
  noCrash(r);
  return r;
}

/**
 * The read verbs a person runs after something bad arrived: none may crash; each answers
 * with exit 0 or a one-line error. `ids` are also shown.
 */
export async function readVerbsHold(s: Sandbox, ids: string[] = []): Promise<void> {
  const runs: [string[], RunResult][] = [];
  const verbs = [
    ['list'],
    ['list', '--json'],
    ['query', 'decision'],
    ['timeline'],
    ['root'],
    ['adr', 'list'],
    ['verify', 'e'.repeat(64)],
    ['federation', 'status'],
  ];
  for (const args of verbs) {
    runs.push([args, await s.run(args)]);
  }
  for (const id of ids) runs.push([['show', id], await s.run(['show', id])]);
  for (const [args, r] of runs) {
    noCrash(r, args.join(' '));
    expect([0, 1, 2], `${args.join(' ')}: ${r.stdout}${r.stderr}`).toContain(r.code);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errors.length, `${args.join(' ')}: ${r.stderr}`).toBeLessThanOrEqual(1);
  }
}

export function git(s: Sandbox, args: string[], input?: string | Buffer): string {
  return execFileSync('git', args, { cwd: s.repo, env: s.env, input, maxBuffer: 1 << 26 })
    .toString()
    .trim();
}

export interface Entry {
  name: string;
  /** The blob's bytes (for a folder, of the one file in it); or `oid` of an existing object. */
  content?: string | Buffer;
  oid?: string;
  mode?: '100644' | '100755' | '120000' | '040000';
}

/**
 * Commits a copy of HEAD whose tree at `dir` (made if missing) gains `entries`, with
 * git's plumbing (NUL-separated, so any byte but NUL and "/" may be in a name), and
 * moves the branch to it. Returns the new commit.
 */
export function commitEntries(
  s: Sandbox,
  dir: string,
  entries: Entry[],
  message = 'crafted',
): string {
  const parts = dir.split('/').filter(Boolean);
  const listing = (path: string): string[] => {
    const out = execFileSync('git', ['ls-tree', '-z', `HEAD:${path}`], {
      cwd: s.repo,
      env: s.env,
    }).toString();
    return out.split('\0').filter(Boolean);
  };
  const exists = (path: string): boolean => {
    try {
      execFileSync('git', ['cat-file', '-e', `HEAD:${path}`], {
        cwd: s.repo,
        env: s.env,
        stdio: 'ignore',
      });
      return true;
    } catch {
      return false;
    }
  };
  const mktree = (lines: string[]): string =>
    git(s, ['mktree', '-z'], lines.map((l) => l + '\0').join(''));
  const rebuild = (depth: number): string => {
    const path = parts.slice(0, depth).join('/');
    let lines = depth === 0 || exists(path) ? listing(path) : [];
    if (depth === parts.length) {
      for (const e of entries) {
        const mode = e.mode ?? '100644';
        const blob = () => git(s, ['hash-object', '-w', '--stdin'], e.content ?? 'not a memory\n');
        // A folder holds one file, so that it is a real tree object (git keeps no empty one).
        const oid =
          e.oid ?? (mode === '040000' ? mktree([`100644 blob ${blob()}\tinner`]) : blob());
        const type = mode === '040000' ? 'tree' : 'blob';
        lines = lines.filter((l) => !l.endsWith(`\t${e.name}`));
        lines.push(`${mode} ${type} ${oid}\t${e.name}`);
      }
    } else {
      const child = parts[depth] as string;
      const oid = rebuild(depth + 1);
      lines = lines.filter((l) => !l.endsWith(`\t${child}`));
      lines.push(`040000 tree ${oid}\t${child}`);
    }
    return mktree(lines);
  };
  const tree = rebuild(0);
  const commit = git(s, ['commit-tree', tree, '-p', 'HEAD', '-m', message]);
  git(s, ['update-ref', 'refs/heads/main', commit]);
  return commit;
}

/** The outcome's rejections as [path, reason] pairs, sorted by path. */
export function reasons(out: Outcome): [string, string][] {
  return out.rejected.map((r) => [r.path, r.reason] as [string, string]);
}
