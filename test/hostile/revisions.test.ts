/**
 * Every option that takes a commit accepts what `git rev-parse` accepts, and nothing given
 * as a revision is ever read as an option by the git it reaches: covenant --base/--head,
 * root --at, and the MCP tools' base, head and at.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { call, callError, connectStdio, type StdioServer } from '../helpers/mcp.js';

const track = sandboxTracker();

let s: Sandbox;
/** Commits from the oldest: init, trust, first decision, second decision. */
let commits: string[];

const rev = async (r: string) => (await s.git(['rev-parse', r])).trim();
/** The repository's files, .git/ included, so that no value can leave a file behind. */
const files = () => readdirSync(s.repo).sort();
const dotGit = () => readdirSync(join(s.repo, '.git')).sort();

beforeAll(async () => {
  s = track(new Sandbox());
  await s.initSigned();
  await s.ok(['record', 'decision', 'Adopt Postgres 16 for the ledger']);
  await s.ok(['record', 'decision', 'Keep the ledger in one region']);
  await s.git(['tag', 'v1']);
  await s.git(['tag', '-a', 'v0', '-m', 'annotated', 'HEAD~1']);
  // Leave a checkout behind in the reflog, for @{-1}.
  await s.git(['checkout', '-q', '-b', 'side', 'HEAD~1']);
  await s.git(['checkout', '-q', 'main']);
  commits = (await s.git(['rev-list', '--reverse', 'HEAD'])).trim().split('\n');
}, 60_000);

/** Runs covenant with these revisions; it must hold against the commit named. */
async function holdsAgainst(args: string[], commit: string, label: string) {
  const before = await s.state();
  const r = await s.run(['covenant', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`against ${label} (${commit.slice(0, 7)})`);
  expect(await s.state()).toBe(before);
}

describe('covenant --base and --head take git revision syntax', () => {
  it('HEAD~1', async () => {
    await holdsAgainst(['--base', 'HEAD~1'], commits[2] as string, 'HEAD~1');
  });

  it('main^ and main~2', async () => {
    await holdsAgainst(['--base', 'main^'], commits[2] as string, 'main^');
    await holdsAgainst(['--base', 'main~2'], commits[1] as string, 'main~2');
  });

  it('HEAD^{commit}, a tag, an annotated tag peeled, a short id', async () => {
    await holdsAgainst(['--base', 'HEAD^{commit}'], commits[3] as string, 'HEAD^{commit}');
    await holdsAgainst(['--base', 'v1'], commits[3] as string, 'v1');
    await holdsAgainst(['--base', 'v0'], commits[2] as string, 'v0');
    await holdsAgainst(['--base', 'v0^{}'], commits[2] as string, 'v0^{}');
    const short = (commits[1] as string).slice(0, 8);
    await holdsAgainst(['--base', short], commits[1] as string, short);
  });

  it('@{-1} (the branch checked out before) and :/message', async () => {
    await holdsAgainst(['--base', '@{-1}'], commits[2] as string, '@{-1}');
    await holdsAgainst(['--base', ':/Adopt Postgres'], commits[2] as string, ':/Adopt Postgres');
  });

  it('--head HEAD~1 against --base HEAD~2', async () => {
    const r = await s.run(['covenant', '--head', 'HEAD~1', '--base', 'HEAD~2', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { ok: boolean; candidate: string; base: string };
    expect(report.ok).toBe(true);
    expect(report.candidate).toBe(`HEAD~1 (${(commits[2] as string).slice(0, 7)})`);
    expect(report.base).toBe(`HEAD~2 (${(commits[1] as string).slice(0, 7)})`);
  });
});

describe('root --at takes git revision syntax', () => {
  it('HEAD~2 gives the root at that commit, as its full id does', async () => {
    const byId = await s.json<{ root: string; commit: string }>([
      'root',
      '--at',
      commits[1] as string,
    ]);
    const byRev = await s.json<{ root: string; commit: string }>(['root', '--at', 'HEAD~2']);
    expect(byRev).toEqual(byId);
    expect(byRev.commit).toBe(commits[1]);
    const latest = await s.json<{ root: string; commit: string }>(['root', '--at', 'main^0']);
    expect(latest.commit).toBe(await rev('HEAD'));
  });
});

describe('a revision is never read as an option', () => {
  const cases: [string[], string][] = [
    [['covenant', '--base=--output=x'], '--base "--output=x"'],
    [['covenant', '--head=--output=x'], '--head "--output=x"'],
    [['covenant', '--base=-q'], '--base "-q"'],
    [['root', '--at=--output=x'], '--at "--output=x"'],
    [['root', '--at=--git-dir=/tmp'], '--at "--git-dir=/tmp"'],
  ];
  for (const [args, named] of cases) {
    it(`${args.join(' ')} is refused, and writes nothing`, async () => {
      const before = await s.state();
      const [top, git] = [files(), dotGit()];
      const r = await s.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `error: ${named} starts with "-", so git would read it as an option (fix: pass a branch, tag or commit, such as main, HEAD~1, v1.2.0 or a commit id)\n`,
      );
      expect(files()).toEqual(top);
      expect(dotGit()).toEqual(git);
      expect(await s.state()).toBe(before);
    });
  }
});

describe('a revision that names no commit', () => {
  const cases: [string[], string][] = [
    [
      ['covenant', '--base', 'HEAD~9'],
      'error: --base: unknown revision "HEAD~9" (fix: run `git log --oneline` to see commits, or `git fetch` the one you mean)',
    ],
    [
      ['covenant', '--head', 'no-such-branch'],
      'error: --head: unknown revision "no-such-branch" (fix: run `git log --oneline` to see commits, or `git fetch` the one you mean)',
    ],
    [
      ['root', '--at', 'deadbeef'],
      'error: --at: unknown revision "deadbeef" (fix: run `git log --oneline` to see commits, or `git fetch` the one you mean)',
    ],
    [
      ['root', '--at', 'HEAD^{tree}'],
      'error: --at: "HEAD^{tree}" names a tree, not a commit (fix: pass a branch, tag or commit)',
    ],
    [
      ['covenant', '--base', 'HEAD:.remembrancer/config.json'],
      'error: --base: "HEAD:.remembrancer/config.json" names a blob, not a commit (fix: pass a branch, tag or commit)',
    ],
    [
      ['covenant', '--base', 'HEAD~2..HEAD'],
      'error: --base takes one commit, not the range "HEAD~2..HEAD" (fix: pass one end of the range)',
    ],
    [
      // A file of the git directory is not a ref, though isomorphic-git would read it.
      ['covenant', '--base', 'config'],
      'error: --base: unknown revision "config" (fix: run `git log --oneline` to see commits, or `git fetch` the one you mean)',
    ],
    [
      ['covenant', '--base', 'info/exclude'],
      'error: --base: unknown revision "info/exclude" (fix: run `git log --oneline` to see commits, or `git fetch` the one you mean)',
    ],
    [
      ['covenant', '--base', ''],
      'error: --base is empty (fix: pass a branch, tag or commit, such as main, HEAD~1, v1.2.0 or a commit id)',
    ],
  ];
  for (const [args, line] of cases) {
    it(`${args.join(' ')}: exit 2, one line`, async () => {
      const before = await s.state();
      const r = await s.run(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(line + '\n');
      expect(await s.state()).toBe(before);
    });
  }
});

describe('the MCP tools take the same revisions through the same resolver', () => {
  let server: StdioServer;
  beforeAll(async () => {
    server = await connectStdio(s);
  });
  afterAll(async () => {
    await server.close();
  });

  it('merkle_root at HEAD~2 and covenant_status base HEAD~1', async () => {
    const at = await call<{ commit: string }>(server.client, 'merkle_root', { at: 'HEAD~2' });
    expect(at.commit).toBe(commits[1]);
    const status = await call<{ ok: boolean; base: string }>(server.client, 'covenant_status', {
      base: 'HEAD~1',
    });
    expect(status.ok).toBe(true);
    expect(status.base).toBe(`HEAD~1 (${(commits[2] as string).slice(0, 7)})`);
  });

  it('an option-like value is refused, naming the argument', async () => {
    const before = await s.state();
    expect(await callError(server.client, 'merkle_root', { at: '--output=x' })).toBe(
      'USAGE: at "--output=x" starts with "-", so git would read it as an option. fix: pass a branch, tag or commit, such as main, HEAD~1, v1.2.0 or a commit id',
    );
    expect(await callError(server.client, 'covenant_status', { head: 'HEAD~9' })).toBe(
      'UNKNOWN_REVISION: head: unknown revision "HEAD~9". fix: run `git log --oneline` to see commits, or `git fetch` the one you mean',
    );
    expect(files()).not.toContain('x');
    expect(await s.state()).toBe(before);
  });
});
