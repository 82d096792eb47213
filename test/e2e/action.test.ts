/**
 * The bundled GitHub Action (dist/action.js) run as the runner runs it: node on the file,
 * the event payload in GITHUB_EVENT_PATH, inputs in INPUT_* variables, outputs and the job
 * summary in files, annotations on stdout. Real repositories, real signatures.
 */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, head, sandboxTracker } from '../helpers/cli.js';
import {
  defaultKey,
  newKeyFiles,
  readEnvelope,
  rewriteEnvelope,
  signedEnvelope,
  writeMemory,
} from '../helpers/craft.js';

const ACTION = fileURLToPath(new URL('../../dist/action.js', import.meta.url));
const track = sandboxTracker();

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT as the runner reads it: `name<<DELIM` … `DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

function runAction(
  s: Sandbox,
  event: string,
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: NodeJS.ProcessEnv = {},
): Promise<ActionRun> {
  const runner = join(s.dir, `runner-${Math.random().toString(36).slice(2)}`);
  const files = {
    event: `${runner}-event.json`,
    output: `${runner}-output`,
    summary: `${runner}-summary.md`,
  };
  writeFileSync(files.event, JSON.stringify(payload));
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: NodeJS.ProcessEnv = {
    ...s.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_WORKSPACE: s.repo,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'acme/payments',
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return new Promise((resolve, reject) => {
    // The runner starts the action in the workspace, from the action's own folder.
    const child = spawn(process.execPath, [ACTION], { cwd: s.repo, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        outputs: parseOutputs(readFileSync(files.output, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
      }),
    );
    child.stdin.end();
  });
}

/** The shape GitHub sends for pull_request (the fields the Action reads, and their neighbours). */
function pullRequestPayload(baseSha: string, headSha: string, number = 7) {
  const repo = { id: 1, name: 'payments', full_name: 'acme/payments', private: true };
  return {
    action: 'synchronize',
    number,
    pull_request: {
      id: 1000 + number,
      number,
      state: 'open',
      title: 'Record the ledger decision',
      user: { login: 'ada' },
      head: { label: 'ada:feature', ref: 'feature', sha: headSha, repo },
      base: { label: 'acme:main', ref: 'main', sha: baseSha, repo },
      merged: false,
    },
    repository: repo,
    sender: { login: 'ada' },
  };
}

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

function annotations(stdout: string, level = 'error'): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(`::${level} `));
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
