/**
 * The GitHub Action (action.yml): the covenant between the base and the head of a pull
 * request, or over a pushed range, with annotations, outputs and a job summary; optionally
 * a seal of the new root, signed with a key from a secret input and committed.
 */
import { runGit } from '../git/git-command.js';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Policy } from '../store/config.js';
import { runCovenant, type CovenantReport, type Finding } from '../policy/covenant.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { summarize } from '../memory/memory-types.js';
import { MEMORIES_DIR } from '../ground/paths.js';
import { checkSignatures } from '../proof/provenance.js';
import { findRepository, type Repository } from '../ground/repository.js';
import type { Snapshot } from '../ground/snapshot.js';
import { checkTimestamps } from '../proof/time.js';
import { TrustStore } from '../policy/trust.js';
import { CommitSnapshot, headCommit } from '../git/snapshots.js';
import { Runner } from './github.js';
import { resolveRange, type Range } from './range.js';

interface Added {
  memory: Memory;
  signers: string[];
  stamps: string[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

async function addedMemories(
  candidate: Snapshot,
  base: Snapshot | undefined,
  trust: TrustStore,
): Promise<Added[]> {
  const before = new Set(base ? (await base.list(MEMORIES_DIR + '/')).map((e) => e.path) : []);
  const added: Added[] = [];
  for (const entry of await candidate.list(MEMORIES_DIR + '/')) {
    if (before.has(entry.path)) continue;
    const bytes = await candidate.read(entry.path, MAX_MEMORY_BYTES);
    if (!bytes) continue;
    let memory: Memory;
    try {
      memory = decodeMemory(entry.path, bytes);
    } catch {
      continue; // reported by the covenant as an integrity violation
    }
    const signatures = await checkSignatures(memory, trust);
    const stamps = await checkTimestamps(memory, trust);
    added.push({
      memory,
      signers: signatures.map(
        (s) => `${s.signer ?? s.keyid.slice(-16)}${s.state === 'valid' ? '' : ` (${s.state})`}`,
      ),
      stamps: stamps.map((t) =>
        t.ok ? `${t.genTime ?? ''} ${t.tsa}` : `${t.tsa}: ${t.reason ?? 'invalid'}`,
      ),
    });
  }
  return added.sort((a, b) =>
    a.memory.envelope.signed.created < b.memory.envelope.signed.created ? -1 : 1,
  );
}

function summary(
  range: Range,
  report: CovenantReport,
  added: Added[],
  sealed: { root: string; treeSize: number; id: string; commit: string | undefined } | undefined,
): string {
  const lines: string[] = [];
  const verdict = report.ok
    ? '✅ covenant holds'
    : `❌ covenant broken: ${report.violations.length} violation(s)`;
  lines.push(`### Remembrancer: ${verdict}`, '');
  lines.push(
    `${range.event}: \`${range.head.slice(0, 7)}\`${range.base ? ` against \`${range.base.slice(0, 7)}\`` : ''}, policy **${report.policy}**, ${report.trustAnchors} trust anchor(s), ${report.memories} memories.`,
    '',
  );
  lines.push(`Root: \`${report.root}\` over ${report.treeSize} memories.`, '');
  if (added.length > 0) {
    lines.push('| memory | type | what | signed by | created | timestamps |');
    lines.push('| --- | --- | --- | --- | --- | --- |');
    for (const a of added) {
      const s = a.memory.envelope.signed;
      lines.push(
        `| \`${a.memory.id.slice(0, 12)}\` | ${s.type} | ${cell(summarize(a.memory))} | ${cell(a.signers.join(', ') || 'unsigned')} | ${s.created} | ${cell(a.stamps.join(', ') || '—')} |`,
      );
    }
    lines.push('');
  } else lines.push('No memories added.', '');
  if (report.violations.length > 0) {
    lines.push('| rule | file | violation | fix |', '| --- | --- | --- | --- |');
    for (const v of report.violations) {
      lines.push(
        `| ${v.rule} | ${cell(v.file ?? '')} | ${cell(v.message)} | ${cell(v.fix ?? '')} |`,
      );
    }
    lines.push('');
  }
  for (const n of [...range.notes, ...report.notes]) lines.push(`> ${cell(n)}`, '');
  if (sealed) {
    lines.push(
      `Sealed root \`${sealed.root}\` over ${sealed.treeSize} memories: seal \`${sealed.id.slice(0, 12)}\`${sealed.commit ? `, commit \`${sealed.commit.slice(0, 7)}\`` : ''}.`,
      '',
    );
  }
  return lines.join('\n');
}

async function git(repo: Repository, args: string[], operands: string[]): Promise<string> {
  const r = await runGit(['-c', 'core.hooksPath=/dev/null', ...args], operands, {
    cwd: repo.root,
    timeoutMs: 120_000,
  });
  if (r.code !== 0) {
    throw new RemembrancerError(
      'GIT_FAILED',
      `git ${args[0]} failed: ${(r.stderr || r.startError?.message || '').trim()}`,
      {
        fix: 'give the workflow `permissions: contents: write` and check out the branch with actions/checkout',
      },
    );
  }
  return r.stdout.toString('utf8').trim();
}

async function seal(runner: Runner, repo: Repository, range: Range) {
  // Read and hide the key before anything can print; no child process inherits it.
  const key = runner.takeSecret('signing-key');
  const passphrase = runner.takeSecret('signing-key-passphrase');
  if (key) runner.mask(key);
  if (passphrase) runner.mask(passphrase);
  if (range.event === 'pull_request' || range.event === 'pull_request_target') {
    throw new RemembrancerError('USAGE', 'seal: true runs on push, never on a pull request', {
      fix: 'seal in a workflow `on: push: branches: [main]`, where the signing key secret is safe',
    });
  }
  if (!key) {
    throw new RemembrancerError('SIGNER_REQUIRED', 'seal: true needs the signing-key input', {
      fix: 'pass `signing-key: ${{ secrets.REMEMBRANCER_SIGNING_KEY }}` (an armoured private key)',
    });
  }
  const head = await headCommit(repo);
  if (head !== range.head) {
    throw new RemembrancerError(
      'INVALID_STATE',
      `seal: the checkout is at ${head?.slice(0, 7) ?? 'no commit'}, not at the pushed ${range.head.slice(0, 7)}`,
      {
        fix: 'check out the pushed branch (actions/checkout) before the Action',
      },
    );
  }
  const { armoredKeySigner } = await import('../crypto/signer.js');
  const signer = await armoredKeySigner(key, 'the signing-key input', 'the signing-key input', {
    env: { REMEMBRANCER_KEY_PASSPHRASE: passphrase || undefined },
  });
  const { sealRepository } = await import('../proof/seal.js');
  const result = await sealRepository(repo, { signer, commit: true });
  for (const w of result.warnings) runner.annotate('warning', w, { title: 'seal' });
  if (result.status === 'sealed' && result.commit && runner.bool('push', true)) {
    const ref = range.ref?.startsWith('refs/heads/') ? range.ref : undefined;
    if (!ref) {
      throw new RemembrancerError('USAGE', 'seal: cannot tell which branch to push the seal to', {
        fix: 'seal on push events to a branch, or set `push: false` and push it yourself',
      });
    }
    await git(repo, ['push', '--quiet'], ['origin', `HEAD:${ref}`]);
  }
  return {
    status: result.status,
    root: result.root,
    treeSize: result.treeSize,
    id: result.seal.id,
    commit: result.commit,
  };
}

function annotate(runner: Runner, prefix: string, f: Finding, level: 'error' | 'warning') {
  const file = f.file ? (prefix ? `${prefix}/${f.file}` : f.file) : undefined;
  runner.annotate(level, `${f.message}${f.fix ? ` (fix: ${f.fix})` : ''}`, {
    file,
    title: `${f.rule}: ${f.code}`,
  });
}

export async function main(runner: Runner): Promise<number> {
  const env = runner.env;
  const workspace = env['GITHUB_WORKSPACE'] || process.cwd();
  const dir = resolve(workspace, runner.input('working-directory') || '.');
  const policyInput = runner.input('policy');
  if (policyInput && policyInput !== 'strict' && policyInput !== 'permissive') {
    throw new RemembrancerError(
      'USAGE',
      `input policy must be strict or permissive, not "${policyInput}"`,
      {
        fix: 'leave it empty to use the policy in the base commit',
      },
    );
  }
  const failOnWarnings = runner.bool('fail-on-warnings', false);
  const wantSeal = runner.bool('seal', false);

  const repo = findRepository(dir);
  const rel = relative(workspace, repo.root);
  const prefix = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : '';
  const range = await resolveRange(repo, env, runner.input('base-ref'));
  for (const n of range.notes) runner.log(`note: ${n}`);

  const cache = {};
  const candidate = new CommitSnapshot(repo, range.head, 'head', cache);
  const base = range.base ? new CommitSnapshot(repo, range.base, 'base', cache) : undefined;
  const governing = range.governing
    ? new CommitSnapshot(repo, range.governing, 'base tip', cache)
    : base;
  const report = await runCovenant({
    repo,
    candidate,
    base,
    governing,
    history: range.head,
    policy: (policyInput || undefined) as Policy | undefined,
    // Every commit the pull request or push brings, each looked at for private keys (all
    // that the checkout holds, for a new branch).
    range: { head: range.head, base: range.base },
  });

  const trust = await TrustStore.load(
    governing && (await governing.list('config.json')).length > 0 ? governing : candidate,
  );
  const added = await addedMemories(candidate, base, trust);

  for (const v of report.violations) annotate(runner, prefix, v, 'error');
  for (const w of report.warnings) annotate(runner, prefix, w, 'warning');
  for (const n of report.notes) runner.log(`note: ${n}`);
  runner.log(
    report.ok
      ? `covenant holds: ${report.memories} memories at ${range.head.slice(0, 7)}${range.base ? ` against ${range.base.slice(0, 7)}` : ''}, ${added.length} added, root ${report.root}`
      : `covenant broken: ${report.violations.length} violation(s) at ${range.head.slice(0, 7)}`,
  );
  const failed = !report.ok || (failOnWarnings && report.warnings.length > 0);

  let sealed: Awaited<ReturnType<typeof seal>> | undefined;
  if (wantSeal && !failed) {
    sealed = await seal(runner, repo, range);
    runner.log(
      sealed.status === 'sealed'
        ? `sealed root ${sealed.root} over ${sealed.treeSize} memories${sealed.commit ? ` in commit ${sealed.commit.slice(0, 7)}` : ''}`
        : `nothing new to seal: ${sealed.id.slice(0, 12)} covers root ${sealed.root}`,
    );
  } else if (wantSeal) {
    runner.takeSecret('signing-key');
    runner.takeSecret('signing-key-passphrase');
  }

  runner.setOutput('root', sealed?.root ?? report.root);
  runner.setOutput('memories-added', String(added.length));
  runner.setOutput('violations', String(report.violations.length));
  runner.setOutput('warnings', String(report.warnings.length));
  if (sealed?.status === 'sealed') {
    runner.setOutput('seal', sealed.id);
    if (sealed.commit) runner.setOutput('seal-commit', sealed.commit);
  }
  runner.summary(summary(range, report, added, sealed?.status === 'sealed' ? sealed : undefined));
  if (failed && report.ok) {
    runner.annotate('error', `${report.warnings.length} warning(s), and fail-on-warnings is set`, {
      title: 'remembrancer',
    });
  }
  return failed ? 1 : 0;
}
