/**
 * The bundled GitHub Action (dist/action.js) run as the runner runs it: node on the file,
 * the event payload in GITHUB_EVENT_PATH, inputs in INPUT_* variables, outputs and the job
 * summary in files, annotations on stdout. Real repositories, real signatures.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotations, pullRequestPayload, runAction } from '../helpers/action.js';
import { Sandbox, head, sandboxTracker } from '../helpers/cli.js';
import {
  defaultKey,
  newKeyFiles,
  readEnvelope,
  rewriteEnvelope,
  signedEnvelope,
  writeMemory,
} from '../helpers/craft.js';

const track = sandboxTracker();

let template: Sandbox;
let fingerprint: string;
let firstMemory: string;
beforeAll(async () => {
  template = track(new Sandbox());
  fingerprint = await template.initSigned();
  firstMemory = (await template.json<{ path: string }>(['record', 'decision', 'Adopt Postgres 16']))
    .path;
});

/** A fork of the template with a feature branch; returns base and head after `change`. */
async function pullRequest(
  change: (s: Sandbox) => Promise<void>,
): Promise<{ s: Sandbox; base: string; headSha: string }> {
  const s = track(template.fork());
  const base = await head(s);
  await s.git(['checkout', '-q', '-b', 'feature']);
  await change(s);
  await s.git(['add', '-A']);
  await s.git(['commit', '-q', '--no-verify', '--allow-empty', '-m', 'change']);
  const headSha = await head(s);
  // actions/checkout of a pull_request leaves a merge commit checked out, detached.
  await s.git(['checkout', '-q', '--detach', 'main']);
  return { s, base, headSha };
}

describe('the Action on pull_request', () => {
  it('passes a valid pull request, with outputs, and a summary table of what it adds', async () => {
    const { s, headSha } = await pullRequest(async (s) => {
      await s.ok(['record', 'decision', 'Shard the ledger by tenant', '--no-commit']);
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(await head(s), headSha));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(annotations(run.stdout)).toEqual([]);
    expect(run.outputs['memories-added']).toBe('1');
    expect(run.outputs['violations']).toBe('0');
    const root = await s.json<{ root: string }>(['root', '--at', headSha]);
    expect(run.outputs['root']).toBe(root.root);
    expect(run.summary).toContain('covenant holds');
    expect(run.summary).toMatch(
      /\| `[0-9a-f]{12}` \| decision \| Shard the ledger by tenant \| Test Signer <signer@example.com> \| \d{4}-\d\d-\d\dT/,
    );
    expect(run.summary).toContain(root.root);
  });

  it('fails a pull request that deletes a memory, annotating the file', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      rmSync(join(s.repo, firstMemory));
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha));
    expect(run.code).toBe(1);
    expect(run.outputs['violations']).toBe('1');
    const errors = annotations(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`file=${firstMemory}`);
    expect(errors[0]).toContain('title=continuity%3A MEMORY_REMOVED');
    expect(run.summary).toContain('covenant broken');
    expect(run.summary).toContain('memory was removed');
  });

  it('fails a pull request that alters a memory', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      const envelope = readEnvelope(s, firstMemory);
      (envelope.signed.body as { text: string }).text = 'Adopt MySQL 8';
      rewriteEnvelope(s, firstMemory, envelope);
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha));
    expect(run.code).toBe(1);
    const errors = annotations(run.stdout).join('\n');
    expect(errors).toContain('MEMORY_ALTERED');
    expect(errors).toContain('ID_MISMATCH');
    expect(errors).toContain(`file=${firstMemory}`);
  });

  it('fails a pull request that trusts its own key and signs with it: trust comes from the base', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      const mallory = await newKeyFiles(s.dir, 'Mallory');
      await s.ok(['trust', 'add', mallory.publicFile, '--no-commit']);
      await s.ok([
        'record',
        'decision',
        'Wire the funds',
        '--key',
        mallory.privateFile,
        '--no-commit',
      ]);
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha));
    expect(run.code).toBe(1);
    const errors = annotations(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('provenance%3A SIGNATURE_UNTRUSTED');
    expect(run.summary).toContain('take effect once it is merged');
    expect(run.outputs['memories-added']).toBe('1');
  });

  it('fails a pull request with a tampered memory file', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      const { path } = await s.json<{ path: string }>([
        'record',
        'decision',
        'Retry payouts twice',
        '--no-commit',
      ]);
      s.write(path, s.read(path).replace('twice', 'forever'));
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha));
    expect(run.code).toBe(1);
    expect(annotations(run.stdout).join('\n')).toContain('integrity%3A ID_MISMATCH');
  });

  it('passes a pull request that does not touch .remembrancer/', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      s.write('README.md', '# payments\n');
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha));
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs['memories-added']).toBe('0');
    expect(run.outputs['violations']).toBe('0');
    expect(run.summary).toContain('No memories added.');
  });

  it('compares a pull request that is behind its base with the merge base, not the new base', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      s.write('README.md', '# payments\n');
    });
    await s.git(['checkout', '-q', 'main']);
    await s.ok(['record', 'decision', 'Landed on main meanwhile']);
    const newBase = await head(s);
    const run = await runAction(s, 'pull_request', pullRequestPayload(newBase, headSha));
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain(`merge base ${base.slice(0, 7)}`);
  });

  it('honours working-directory, a policy override and fail-on-warnings', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      const stranger = await newKeyFiles(s.dir, 'Stranger');
      writeMemory(s, await signedEnvelope('Signed by a stranger', stranger));
    });
    // The repository is a subfolder of the workspace: annotations name workspace paths.
    const outer = track(new Sandbox());
    // Only main is cloned: the Action fetches the pull request's head from origin by its id.
    await outer.git([
      'clone',
      '-q',
      '--no-checkout',
      '--single-branch',
      '--branch',
      'main',
      `file://${s.repo}`,
      join(outer.repo, 'svc'),
    ]);
    expect(
      (
        await outer.git(['cat-file', '-t', headSha], join(outer.repo, 'svc')).catch(() => 'missing')
      ).trim(),
    ).toBe('missing');
    const payload = pullRequestPayload(base, headSha);
    const strict = await runAction(outer, 'pull_request', payload, { 'working-directory': 'svc' });
    expect(strict.code).toBe(1);
    expect(annotations(strict.stdout)[0]).toMatch(
      /file=svc\/\.remembrancer\/memories\/.*SIGNATURE_UNTRUSTED/,
    );

    const permissive = await runAction(outer, 'pull_request', payload, {
      'working-directory': 'svc',
      policy: 'permissive',
    });
    expect(permissive.code, permissive.stdout).toBe(0);
    expect(permissive.outputs['warnings']).toBe('1');
    expect(annotations(permissive.stdout, 'warning')[0]).toContain('SIGNATURE_UNTRUSTED');
    expect(permissive.summary).toContain('policy **permissive**');

    const strictWarnings = await runAction(outer, 'pull_request', payload, {
      'working-directory': 'svc',
      policy: 'permissive',
      'fail-on-warnings': 'true',
    });
    expect(strictWarnings.code).toBe(1);
    expect(annotations(strictWarnings.stdout).join('\n')).toContain('fail-on-warnings is set');

    const wrong = await runAction(outer, 'pull_request', payload, {
      'working-directory': 'svc',
      policy: 'lenient',
    });
    expect(wrong.code).toBe(1);
    expect(annotations(wrong.stdout)[0]).toContain('input policy must be strict or permissive');
  });
});

describe('the base-ref input', () => {
  it('takes git revision syntax: HEAD~1 on a push compares with the commit before', async () => {
    const s = track(template.fork());
    await s.ok(['record', 'decision', 'Compared with HEAD~1']);
    const after = await head(s);
    const run = await runAction(
      s,
      'push',
      { ref: 'refs/heads/main', before: '0'.repeat(40), after },
      { 'base-ref': 'HEAD~1' },
      { GITHUB_SHA: after, GITHUB_REF: 'refs/heads/main' },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs['memories-added']).toBe('1');
  });

  it('is never read as an option by git', async () => {
    const s = track(template.fork());
    const before = await s.state();
    const after = await head(s);
    const run = await runAction(
      s,
      'push',
      { ref: 'refs/heads/main', after },
      { 'base-ref': '--upload-pack=touch pwned' },
      { GITHUB_SHA: after, GITHUB_REF: 'refs/heads/main' },
    );
    expect(run.code).toBe(1);
    expect(annotations(run.stdout)[0]).toContain(
      'the base-ref input "--upload-pack=touch pwned" starts with "-", so git would read it as an option',
    );
    expect(s.exists('pwned')).toBe(false);
    expect(await s.state()).toBe(before);
  });
});

describe('the Action on push', () => {
  it('checks the pushed range: a push that removes a memory fails', async () => {
    const s = track(template.fork());
    const before = await head(s);
    await s.git(['rm', '-q', firstMemory]);
    await s.git(['commit', '-q', '--no-verify', '-m', 'drop it']);
    const after = await head(s);
    const run = await runAction(
      s,
      'push',
      { ref: 'refs/heads/main', before, after },
      {},
      {
        GITHUB_SHA: after,
        GITHUB_REF: 'refs/heads/main',
      },
    );
    expect(run.code).toBe(1);
    expect(annotations(run.stdout)[0]).toContain('MEMORY_REMOVED');
  });

  it('a new branch has nothing before it: the pushed commit alone is checked, and says so', async () => {
    const s = track(template.fork());
    await s.ok(['record', 'decision', 'On a new branch']);
    const after = await head(s);
    const run = await runAction(
      s,
      'push',
      { ref: 'refs/heads/topic', before: '0'.repeat(40), after, created: true },
      {},
      { GITHUB_SHA: after, GITHUB_REF: 'refs/heads/topic' },
    );
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('a new branch');
    expect(run.outputs['memories-added']).toBe('2');
  });

  it('seal: true seals the new root, commits and pushes it, and never shows the key', async () => {
    // A remote, and a runner's checkout of it.
    const s = track(template.fork());
    const origin = join(s.dir, 'origin.git');
    await s.git(['init', '-q', '--bare', '-b', 'main', origin]);
    await s.git(['push', '-q', origin, 'main']);
    const before = (await s.git(['rev-parse', 'HEAD'])).trim();
    await s.ok(['record', 'decision', 'Seal on merge']);
    await s.git(['push', '-q', origin, 'main']);
    const after = await head(s);
    const runner = track(new Sandbox());
    rmSync(runner.repo, { recursive: true });
    await runner.git(['clone', '-q', origin, runner.repo], runner.dir);
    const key = defaultKey(s, fingerprint);
    const armored = readFileSync(key.privateFile, 'utf8');
    const run = await runAction(
      runner,
      'push',
      { ref: 'refs/heads/main', before, after },
      { seal: 'true', 'signing-key': armored },
      { GITHUB_SHA: after, GITHUB_REF: 'refs/heads/main', REMEMBRANCER_KEY: '' },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const sealCommit = run.outputs['seal-commit'] as string;
    expect(sealCommit).toMatch(/^[0-9a-f]{40}$/);
    expect((await s.git(['rev-parse', 'main'], origin)).trim()).toBe(sealCommit);
    const root = await runner.json<{ root: string; sealed: boolean }>(['root']);
    expect(run.outputs['root']).toBe(root.root);
    expect(run.summary).toContain(`Sealed root \`${root.root}\``);
    // The key's lines appear only in add-mask commands, which the runner never prints.
    const secretLines = armored.split('\n').filter((l) => l.length >= 8 && !l.startsWith('-----'));
    const printed = (run.stdout + run.stderr + run.summary)
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    for (const line of secretLines) expect(printed).not.toContain(line);
    expect(run.stdout).toContain('::add-mask::');
    // The seal holds under the covenant of what was pushed.
    await runner.ok(['covenant', '--base', after, '--head', 'HEAD']);
  });

  it('refuses to seal on a pull request', async () => {
    const { s, base, headSha } = await pullRequest(async (s) => {
      s.write('README.md', '# payments\n');
    });
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, headSha), {
      seal: 'true',
      'signing-key': 'not a key at all, never printed',
    });
    expect(run.code).toBe(1);
    expect(annotations(run.stdout)[0]).toContain('never on a pull request');
    const shown = run.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(shown.join('\n')).not.toContain('never printed');
  });
});
