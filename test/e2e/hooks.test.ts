/**
 * The git hooks in real repositories, run by git itself: installed into .git/hooks, into
 * core.hooksPath, beside a hook that was already there (a plain one and a husky-style
 * wrapper), and through simple-git-hooks; and removed again, leaving what was there before.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HooksStatus } from '../../src/operations/hooks.js';
import { Sandbox, head, sandboxTracker } from '../helpers/cli.js';
import { readEnvelope, rewriteEnvelope } from '../helpers/craft.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const track = sandboxTracker();

let template: Sandbox;
let firstMemory: string;
beforeAll(async () => {
  template = track(new Sandbox());
  await template.initSigned();
  firstMemory = (await template.json<{ path: string }>(['record', 'decision', 'Adopt Postgres 16']))
    .path;
});

/** git, returning its exit code and output instead of throwing. */
async function gitRun(s: Sandbox, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const out = await s.git(args);
    return { code: 0, out };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
    };
  }
}

/** Stages an altered copy of the first memory: what the pre-commit hook must refuse. */
function tamper(s: Sandbox): void {
  const envelope = readEnvelope(s, firstMemory);
  (envelope.signed.body as { text: string }).text = 'Adopt MySQL 8';
  rewriteEnvelope(s, firstMemory, envelope);
}

function shellHook(s: Sandbox, path: string, body: string): string {
  const text = `#!/bin/sh\n${body}\n`;
  s.write(path, text);
  chmodSync(join(s.repo, path), 0o755);
  return text;
}

async function expectRefused(s: Sandbox): Promise<string> {
  const before = await head(s);
  const commit = await gitRun(s, ['commit', '-q', '-m', 'tampered']);
  expect(commit.code).not.toBe(0);
  expect(await head(s)).toBe(before);
  return commit.out;
}

describe('hooks install into .git/hooks', () => {
  it('refuses a commit of an altered memory, naming file, rule and fix; allows the rest', async () => {
    const s = track(template.fork());
    const installed = await s.json<HooksStatus>(['hooks', 'install']);
    expect(installed.mode).toBe('git-hooks');
    expect(installed.hooksDir).toBe(join(s.repo, '.git', 'hooks'));
    for (const name of ['pre-commit', 'pre-push']) {
      expect(statSync(join(s.repo, '.git', 'hooks', name)).mode & 0o111).not.toBe(0);
    }
    expect((await s.run(['hooks', 'status'])).code).toBe(0);

    tamper(s);
    await s.git(['add', '-A']);
    const out = await expectRefused(s);
    expect(out).toContain(firstMemory);
    expect(out).toMatch(/integrity/);
    expect(out).toContain('fix: ');
    expect(out).toContain('commit refused');

    await s.git(['checkout', 'HEAD', '--', firstMemory]);
    s.write('README.md', 'hello\n');
    await s.git(['add', 'README.md']);
    expect((await gitRun(s, ['commit', '-q', '-m', 'docs'])).code).toBe(0);
    await s.ok(['record', 'decision', 'A good one']); // committed through the hook
    expect(await memoryCount(s)).toBe(2);
  });

  it('init --hooks installs them at init', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    const init = await s.json<{ hooks: HooksStatus }>(['init', '--hooks']);
    expect(init.hooks.hooks.map((h) => h.installed)).toEqual([true, true]);
    expect(existsSync(join(s.repo, '.git', 'hooks', 'pre-commit'))).toBe(true);
  });

  it('uninstall removes exactly our hooks', async () => {
    const s = track(template.fork());
    await s.ok(['hooks', 'install']);
    await s.ok(['hooks', 'install']); // a second install changes nothing
    await s.ok(['hooks', 'uninstall']);
    expect(existsSync(join(s.repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(s.repo, '.git', 'hooks', 'pre-push'))).toBe(false);
    const status = await s.run(['hooks', 'status', '--json']);
    expect(status.code).toBe(1);
    tamper(s);
    await s.git(['add', '-A']);
    expect((await gitRun(s, ['commit', '-q', '-m', 'unchecked'])).code).toBe(0);
  });
});

describe('an existing hook is chained, never overwritten', () => {
  it('runs the earlier hook first, stops on its failure, and restores it on uninstall', async () => {
    const s = track(template.fork());
    const original = shellHook(
      s,
      '.git/hooks/pre-commit',
      'echo ran >> "$(git rev-parse --git-dir)/lint-ran"\n[ ! -f block ]',
    );
    const install = await s.json<{ notes: string[] }>(['hooks', 'install']);
    expect(install.notes.join(' ')).toContain('kept the existing pre-commit hook');
    expect(readFileSync(join(s.repo, '.git/hooks/pre-commit.remembrancer-original'), 'utf8')).toBe(
      original,
    );

    // Both run: the earlier hook, then the covenant.
    tamper(s);
    await s.git(['add', '-A']);
    await expectRefused(s);
    expect(readFileSync(join(s.repo, '.git', 'lint-ran'), 'utf8')).toBe('ran\n');

    // The earlier hook's failure still stops the commit.
    await s.git(['checkout', 'HEAD', '--', firstMemory]);
    s.write('block', '');
    await s.git(['add', 'block']);
    await expectRefused(s);

    await s.ok(['hooks', 'uninstall']);
    expect(readFileSync(join(s.repo, '.git/hooks/pre-commit'), 'utf8')).toBe(original);
    expect(existsSync(join(s.repo, '.git/hooks/pre-commit.remembrancer-original'))).toBe(false);
  });

  it('keeps a husky-style core.hooksPath wrapper working (it finds its script from $0)', async () => {
    const s = track(template.fork());
    // husky 9: core.hooksPath=.husky/_, each hook there sources `h`, which runs .husky/<name>.
    shellHook(
      s,
      '.husky/_/h',
      'n=$(basename "$0"); s=$(dirname "$(dirname "$0")")/$n\n[ -f "$s" ] || exit 0\nsh -e "$s" "$@"',
    );
    shellHook(s, '.husky/_/pre-commit', '. "$(dirname "$0")/h"');
    s.write('.husky/pre-commit', 'echo husky >> .git/husky-ran\n');
    await s.git(['config', 'core.hooksPath', '.husky/_']);
    const status = await s.json<HooksStatus>(['hooks', 'install']);
    expect(status.hooksDir).toBe(join(s.repo, '.husky', '_'));
    expect(status.hooksPath).toBe('.husky/_');
    expect(existsSync(join(s.repo, '.git', 'hooks', 'pre-commit'))).toBe(false);

    tamper(s);
    await s.git(['add', '-A']);
    await expectRefused(s);
    expect(readFileSync(join(s.repo, '.git', 'husky-ran'), 'utf8')).toBe('husky\n');

    await s.git(['checkout', 'HEAD', '--', firstMemory]);
    s.write('README.md', 'hello\n');
    await s.git(['add', 'README.md']);
    expect((await gitRun(s, ['commit', '-q', '-m', 'docs'])).code).toBe(0);
    expect(readFileSync(join(s.repo, '.git', 'husky-ran'), 'utf8')).toBe('husky\nhusky\n');
  });

  it('installs into a core.hooksPath folder of its own', async () => {
    const s = track(template.fork());
    await s.git(['config', 'core.hooksPath', '.githooks']);
    await s.ok(['hooks', 'install']);
    expect(existsSync(join(s.repo, '.githooks', 'pre-commit'))).toBe(true);
    expect(existsSync(join(s.repo, '.git', 'hooks', 'pre-commit'))).toBe(false);
    tamper(s);
    await s.git(['add', firstMemory]);
    await expectRefused(s);
  });
});

describe('pre-push', () => {
  async function withOrigin(): Promise<{ s: Sandbox; origin: string }> {
    const s = track(template.fork());
    const origin = join(s.dir, 'origin.git');
    await s.git(['init', '-q', '--bare', '-b', 'main', origin]);
    await s.git(['remote', 'add', 'origin', origin]);
    await s.git(['push', '-q', 'origin', 'main']);
    return { s, origin };
  }

  it('refuses a push that removes a memory, on an existing and on a new branch', async () => {
    const { s, origin } = await withOrigin();
    shellHook(s, '.git/hooks/pre-push', 'cat > .git/pre-push-stdin');
    await s.ok(['hooks', 'install']);
    await s.ok(['record', 'decision', 'Pushed fine']);
    expect((await gitRun(s, ['push', '-q', 'origin', 'main'])).code).toBe(0);
    // The earlier hook got git's lines on stdin, as before.
    const pushed = await head(s);
    expect(readFileSync(join(s.repo, '.git', 'pre-push-stdin'), 'utf8')).toContain(
      `refs/heads/main ${pushed} refs/heads/main`,
    );

    await s.git(['rm', '-q', firstMemory]);
    await s.git(['commit', '-q', '--no-verify', '-m', 'drop it']);
    const refused = await gitRun(s, ['push', 'origin', 'main']);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('memory was removed');
    expect(refused.out).toContain('push of refs/heads/main refused');
    expect((await s.git(['rev-parse', 'main'], origin)).trim()).toBe(pushed);

    const branch = await gitRun(s, ['push', 'origin', 'HEAD:refs/heads/feature']);
    expect(branch.code).not.toBe(0);
    expect(branch.out).toContain('memory was removed');

    expect((await gitRun(s, ['push', '-q', '--no-verify', 'origin', 'main'])).code).toBe(0);
  });
});

describe('simple-git-hooks', () => {
  it('adds itself to the package.json config, applies it, and removes itself cleanly', async () => {
    const s = track(template.fork());
    const pkg = `${JSON.stringify(
      {
        name: 'payments',
        private: true,
        devDependencies: { 'simple-git-hooks': '^2.14.0' },
        'simple-git-hooks': { 'pre-commit': 'echo lint >> .git/lint-ran' },
      },
      null,
      2,
    )}\n`;
    s.write('package.json', pkg);
    mkdirSync(join(s.repo, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(
      join(ROOT, 'node_modules', 'simple-git-hooks'),
      join(s.repo, 'node_modules', 'simple-git-hooks'),
    );
    symlinkSync(
      join('..', 'simple-git-hooks', 'cli.js'),
      join(s.repo, 'node_modules', '.bin', 'simple-git-hooks'),
    );
    s.write('.gitignore', 'node_modules\n');
    await s.git(['add', '-A']);
    await s.git(['commit', '-q', '-m', 'package']);

    const install = await s.json<HooksStatus & { applied: boolean }>(['hooks', 'install']);
    expect(install.mode).toBe('simple-git-hooks');
    expect(install.applied).toBe(true);
    expect(install.hooks.map((h) => h.installed)).toEqual([true, true]);
    const config = (
      JSON.parse(s.read('package.json')) as { 'simple-git-hooks': Record<string, string> }
    )['simple-git-hooks'];
    expect(config['pre-commit']).toMatch(
      /^sh \S+\/hooks\/pre-commit && echo lint >> \.git\/lint-ran$/,
    );
    expect(config['pre-push']).toMatch(/^sh \S+\/hooks\/pre-push$/);
    expect(readFileSync(join(s.repo, '.git', 'hooks', 'pre-commit'), 'utf8')).toContain(
      'hooks/pre-commit',
    );

    tamper(s);
    await s.git(['add', firstMemory]);
    await expectRefused(s);
    await s.git(['checkout', 'HEAD', '--', firstMemory]);
    await s.git(['add', 'package.json']);
    expect((await gitRun(s, ['commit', '-q', '-m', 'hooks'])).code).toBe(0);
    expect(readFileSync(join(s.repo, '.git', 'lint-ran'), 'utf8')).toContain('lint');

    await s.ok(['hooks', 'uninstall']);
    expect(s.read('package.json')).toBe(pkg);
    expect(readFileSync(join(s.repo, '.git', 'hooks', 'pre-commit'), 'utf8')).not.toContain(
      'hooks/pre-commit',
    );
    expect((await s.run(['hooks', 'status'])).code).toBe(1);
  });
});

async function memoryCount(s: Sandbox): Promise<number> {
  const out = await s.git(['ls-files', '.remembrancer/memories']);
  return out.split('\n').filter(Boolean).length;
}
