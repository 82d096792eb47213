/**
 * The covenants (DESIGN.md §4) against bad input: every file in .remembrancer/ that a broken
 * tool, a careless edit or an attacker could leave behind is reported with its rule, its
 * file and a fix, in words and in JSON, with exit code 1.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { Sandbox, type RunResult } from '../helpers/cli.js';
import {
  decisionSigned,
  defaultKey,
  idOf,
  memoryFile,
  newKeyFiles,
  readEnvelope,
  rewriteEnvelope,
  signWith,
  signedEnvelope,
  writeMemory,
  type KeyFiles,
} from '../helpers/craft.js';

// The documented --json shape (docs/json.md) is the engine's own report type.
type Report = CovenantReport;

const sandboxes: Sandbox[] = [];
afterAll(() => {
  for (const s of sandboxes) s.cleanup();
});

/** A strict repository with a trusted default key and two committed memories. */
let template: Sandbox;
let fingerprint: string;
let decisionPath: string;
let deployPath: string;
beforeAll(async () => {
  template = new Sandbox();
  sandboxes.push(template);
  fingerprint = await template.initSigned();
  decisionPath = (
    await template.json<{ path: string }>(['record', 'decision', 'Adopt Postgres 16'])
  ).path;
  deployPath = (
    await template.json<{ path: string }>([
      'record',
      'deploy',
      '--component',
      'ledger',
      '--version',
      '1.0.0',
      '--sha256',
      'b'.repeat(64),
    ])
  ).path;
});

function fresh(): { s: Sandbox; key: KeyFiles } {
  const s = template.fork();
  sandboxes.push(s);
  return { s, key: defaultKey(s, fingerprint) };
}

async function covenantJson(s: Sandbox, args: string[] = []): Promise<Report & { code: number }> {
  const result = await s.run(['covenant', ...args, '--json']);
  let report: Report;
  try {
    report = JSON.parse(result.stdout) as Report;
  } catch {
    throw new Error(`covenant --json printed no JSON (exit ${result.code})\n${result.stderr}`);
  }
  return { ...report, code: result.code };
}

/**
 * The covenant is broken: exit 1, a line naming the rule and the file followed by a fix
 * line, and the same violation in the JSON report, every violation with a message and a fix.
 */
async function expectViolation(
  s: Sandbox,
  expected: { rule: string; code: string; file: string; message?: string | RegExp },
  args: string[] = [],
): Promise<{ human: RunResult; report: Report }> {
  const [human, report] = await Promise.all([s.run(['covenant', ...args]), covenantJson(s, args)]);
  expect(human.code, `${human.stdout}\n${human.stderr}`).toBe(1);
  expect(human.stdout).toContain('covenant broken');
  const lines = human.stdout.split('\n');
  const at = lines.findIndex(
    (l) => l.trimStart().startsWith(expected.rule) && l.includes(`${expected.file}: `),
  );
  expect(at, `no ${expected.rule} line for ${expected.file} in:\n${human.stdout}`).toBeGreaterThan(
    0,
  );
  expect(lines[at + 1]).toMatch(/^\s+fix: \S/);

  expect(report.code).toBe(1);
  expect(report.ok).toBe(false);
  const found = report.violations.find((v) => v.code === expected.code && v.file === expected.file);
  expect(found, JSON.stringify(report.violations, null, 2)).toBeDefined();
  expect(found?.rule).toBe(expected.rule);
  if (expected.message !== undefined) expect(found?.message).toMatch(expected.message);
  for (const v of report.violations) {
    expect(Object.keys(v).sort()).toEqual(['code', 'file', 'fix', 'message', 'rule']);
    expect(v.message.length).toBeGreaterThan(0);
    expect(v.fix?.length).toBeGreaterThan(0);
  }
  return { human, report };
}

/** The commit before HEAD, by id (`--base` takes refs and commit ids, not `HEAD~1`). */
async function parent(s: Sandbox): Promise<string> {
  return (await s.git(['rev-parse', 'HEAD~1'])).trim();
}

describe.concurrent('a repository that keeps its covenant', () => {
  it('holds: exit 0, in words and in JSON', async () => {
    const { s } = fresh();
    const human = await s.run(['covenant']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('✓ covenant holds');
    expect(human.stdout).toMatch(/\b2 memories\b/);
    const report = await covenantJson(s);
    expect(report).toMatchObject({
      code: 0,
      ok: true,
      policy: 'strict',
      candidate: 'working tree',
      memories: 2,
      trustAnchors: 1,
      treeSize: 2,
      violations: [],
      warnings: [],
    });
    expect(report.root).toMatch(/^[0-9a-f]{64}$/);
    expect((await s.run(['covenant', '--staged'])).code).toBe(0);
    const quiet = await s.run(['covenant', '--quiet']);
    expect(quiet).toMatchObject({ code: 0, stdout: '' });
  });
});

describe.concurrent('integrity', () => {
  it('malformed JSON in memories/', async () => {
    const { s } = fresh();
    s.write(decisionPath, '{"signed": {"type": "decision",');
    await expectViolation(s, {
      rule: 'integrity',
      code: 'MALFORMED_JSON',
      file: decisionPath,
      message: /malformed JSON/i,
    });
  });

  it('an id that does not match the content', async () => {
    const { s } = fresh();
    s.write(decisionPath, s.read(decisionPath).replace('Adopt Postgres 16', 'Adopt MySQL 8'));
    await expectViolation(s, {
      rule: 'integrity',
      code: 'ID_MISMATCH',
      file: decisionPath,
      message: /\bid\b/,
    });
  });

  it('a memory filed in the wrong shard', async () => {
    const { s, key } = fresh();
    const envelope = await signedEnvelope('Misfiled decision', key);
    const id = idOf(envelope.signed);
    const shard = id.startsWith('00') ? 'ff' : '00';
    const { file } = writeMemory(s, envelope, { shard });
    const { report } = await expectViolation(s, {
      rule: 'integrity',
      code: 'WRONG_SHARD',
      file,
    });
    const finding = report.violations.find((v) => v.code === 'WRONG_SHARD');
    expect(finding?.fix).toContain(memoryFile(id));
  });

  it('an unknown memory type', async () => {
    const { s, key } = fresh();
    const signed = { ...decisionSigned('x', { key }), type: 'horoscope', body: { sign: 'leo' } };
    const { file } = writeMemory(s, { signed, signatures: [await signWith(signed, key)] });
    await expectViolation(s, {
      rule: 'integrity',
      code: 'UNKNOWN_TYPE',
      file,
      message: /horoscope/,
    });
  });

  it('a schema violation', async () => {
    const { s, key } = fresh();
    const base = decisionSigned('Ship on Fridays', { key });
    const signed = { ...base, body: { text: 'Ship on Fridays', tags: [], priority: 'high' } };
    const { file } = writeMemory(s, { signed, signatures: [await signWith(signed, key)] });
    await expectViolation(s, {
      rule: 'integrity',
      code: 'SCHEMA_VIOLATION',
      file,
      message: /priority/,
    });
  });

  it('a file that is not canonical JSON (reformatted by an editor)', async () => {
    const { s } = fresh();
    const envelope = JSON.parse(s.read(deployPath)) as unknown;
    s.write(deployPath, JSON.stringify(envelope, null, 4) + '\n');
    await expectViolation(s, {
      rule: 'integrity',
      code: 'NOT_CANONICAL_JSON',
      file: deployPath,
    });
  });

  it('a private key block under .remembrancer/, outside memories/', async () => {
    const { s, key } = fresh();
    s.write('.remembrancer/backup/signer.asc', readFileSync(key.privateFile));
    await expectViolation(s, {
      rule: 'integrity',
      code: 'PRIVATE_KEY_IN_REPOSITORY',
      file: '.remembrancer/backup/signer.asc',
      message: /private key/,
    });
  });

  it('a private key block inside a valid, signed memory', async () => {
    const { s, key } = fresh();
    const text = `Our signing key, for safekeeping:\n${readFileSync(key.privateFile, 'utf8')}`;
    const { file } = writeMemory(s, await signedEnvelope(text, key));
    const { report } = await expectViolation(s, {
      rule: 'integrity',
      code: 'PRIVATE_KEY_IN_REPOSITORY',
      file,
    });
    expect(report.violations.find((v) => v.code === 'PRIVATE_KEY_IN_REPOSITORY')?.fix).toMatch(
      /compromised/,
    );
  });

  it('a temporary file left in memories/ by an interrupted write', async () => {
    const { s } = fresh();
    const id = decisionPath.slice(-69, -5);
    const temp = `.remembrancer/memories/${id.slice(0, 2)}/.${'c'.repeat(64)}.json.tmp-4242-deadbeef`;
    s.write(temp, '{"signed": {');
    await expectViolation(s, {
      rule: 'integrity',
      code: 'UNEXPECTED_FILE',
      file: temp,
      message: /temporary file/,
    });
  });

  it('a ".." entry in a commit tree, which only git plumbing can make (--head)', async () => {
    const { s } = fresh();
    const git = async (args: string[], input?: string) =>
      execFileSync('git', args, { cwd: s.repo, env: s.env, input }).toString().trim();
    const blob = await git(['hash-object', '-w', '--stdin'], 'not a memory\n');
    const shard = decisionPath.split('/')[2] as string;
    /** The tree at `path` in HEAD with `entry` added, in place of the one called `replaces`. */
    const withEntry = async (path: string, entry: string, replaces?: string) => {
      const listing = (await git(['ls-tree', `HEAD:${path}`])).split('\n');
      return git(
        ['mktree'],
        [...listing.filter((l) => !l.endsWith(`\t${replaces}`)), entry].join('\n') + '\n',
      );
    };
    const shardTree = await withEntry(`.remembrancer/memories/${shard}`, `100644 blob ${blob}\t..`);
    const memories = await withEntry(
      '.remembrancer/memories',
      `040000 tree ${shardTree}\t${shard}`,
      shard,
    );
    const rem = await withEntry('.remembrancer', `040000 tree ${memories}\tmemories`, 'memories');
    const listing = (await git(['ls-tree', 'HEAD'])).split('\n');
    const top = await git(
      ['mktree'],
      [
        ...listing.filter((l) => !l.endsWith('\t.remembrancer')),
        `040000 tree ${rem}\t.remembrancer`,
      ].join('\n') + '\n',
    );
    const commit = await git(['commit-tree', top, '-p', 'HEAD', '-m', 'plumbing']);
    await expectViolation(
      s,
      { rule: 'integrity', code: 'UNEXPECTED_FILE', file: `.remembrancer/memories/${shard}/..` },
      ['--base', 'HEAD', '--head', commit],
    );
  });

  it('any other file in memories/', async () => {
    const { s } = fresh();
    s.write('.remembrancer/memories/README.md', '# notes\n');
    await expectViolation(s, {
      rule: 'integrity',
      code: 'UNEXPECTED_FILE',
      file: '.remembrancer/memories/README.md',
    });
  });
});

describe.concurrent('provenance', () => {
  it('an invalid signature', async () => {
    const { s, key } = fresh();
    const signed = decisionSigned('We never said this', { key });
    // A genuine signature by the trusted key, made over other content.
    const stolen = await signWith(decisionSigned('We said something else', { key }), key);
    const { file } = writeMemory(s, { signed, signatures: [stolen] });
    await expectViolation(s, {
      rule: 'provenance',
      code: 'SIGNATURE_INVALID',
      file,
      message: new RegExp(`${key.fingerprint}.*invalid`),
    });
  });

  it('a signature by a key that is not a trust anchor', async () => {
    const { s } = fresh();
    const mallory = await newKeyFiles(s.dir, 'Mallory');
    const { file } = writeMemory(s, await signedEnvelope('Trust me', mallory));
    await expectViolation(s, {
      rule: 'provenance',
      code: 'SIGNATURE_UNTRUSTED',
      file,
      message: new RegExp(`untrusted.*${mallory.fingerprint}`),
    });
  });

  it('an unsigned memory under the strict policy', async () => {
    const { s } = fresh();
    const { file } = writeMemory(s, { signed: decisionSigned('Nobody signed me'), signatures: [] });
    await expectViolation(s, {
      rule: 'provenance',
      code: 'SIGNER_REQUIRED',
      file,
      message: /unsigned/,
    });
  });

  it('a memory whose signature was stripped', async () => {
    const { s } = fresh();
    const envelope = readEnvelope(s, decisionPath);
    rewriteEnvelope(s, decisionPath, { ...envelope, signatures: [] });
    await expectViolation(s, {
      rule: 'provenance',
      code: 'SIGNATURE_INVALID',
      file: decisionPath,
      message: /did not sign/,
    });
  });

  it('permissive accepts unsigned memories and only warns about untrusted signatures', async () => {
    const { s } = fresh();
    const config = JSON.parse(s.read('.remembrancer/config.json')) as Record<string, unknown>;
    s.write('.remembrancer/config.json', JSON.stringify({ ...config, policy: 'permissive' }));
    await s.git(['commit', '-q', '-am', 'go permissive']);
    const unsigned = writeMemory(s, { signed: decisionSigned('Unsigned'), signatures: [] });
    const mallory = await newKeyFiles(s.dir, 'Mallory');
    const untrusted = writeMemory(s, await signedEnvelope('Signed by a stranger', mallory));
    const report = await covenantJson(s);
    expect(report).toMatchObject({ code: 0, ok: true, policy: 'permissive', violations: [] });
    expect(report.warnings).toEqual([
      expect.objectContaining({
        rule: 'provenance',
        code: 'SIGNATURE_UNTRUSTED',
        file: untrusted.file,
      }),
    ]);
    const human = await s.run(['covenant']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${untrusted.file}: signature by untrusted key`);
    expect(human.stdout).not.toContain(unsigned.file);

    // Permissive never accepts an invalid signature.
    const key = defaultKey(s, fingerprint);
    const signed = decisionSigned('Forged', { key });
    const { file } = writeMemory(s, {
      signed,
      signatures: [await signWith(decisionSigned('Other', { key }), key)],
    });
    await expectViolation(s, { rule: 'provenance', code: 'SIGNATURE_INVALID', file });
  });
});

describe.concurrent('continuity', () => {
  it('a memory removed in the working tree, and one removed by a commit (--base)', async () => {
    const { s } = fresh();
    rmSync(join(s.repo, decisionPath));
    await expectViolation(s, {
      rule: 'continuity',
      code: 'MEMORY_REMOVED',
      file: decisionPath,
      message: /removed/,
    });
    const base = (await s.git(['rev-parse', 'HEAD'])).trim();
    await s.git(['rm', '-q', '--', deployPath]);
    await s.git(['commit', '-q', '-m', 'tidy up']);
    const { report } = await expectViolation(
      s,
      { rule: 'continuity', code: 'MEMORY_REMOVED', file: deployPath },
      ['--base', base.slice(0, 10), '--head', 'HEAD'],
    );
    expect(report.base).toBe(`${base.slice(0, 10)} (${base.slice(0, 7)})`);
    expect(report.violations.find((v) => v.file === deployPath)?.fix).toContain(
      `git checkout ${base.slice(0, 10)} -- ${deployPath}`,
    );
  });

  it('a memory altered by a commit (--base)', async () => {
    const { s } = fresh();
    s.write(decisionPath, s.read(decisionPath).replace('Postgres 16', 'Postgres 17'));
    await s.git(['commit', '-q', '-am', 'fix a typo']);
    await expectViolation(
      s,
      {
        rule: 'continuity',
        code: 'MEMORY_ALTERED',
        file: decisionPath,
        message: /altered/,
      },
      ['--base', await parent(s)],
    );
  });

  it('a signature removed or replaced by a commit, content untouched (--base)', async () => {
    const { s, key } = fresh();
    const before = readEnvelope(s, decisionPath);
    const old = before.signatures[0]?.sig as string;
    // Re-signing gives new bytes (salted); a swap to a larger signature is an alteration.
    let replaced: { keyid: string; sig: string };
    do replaced = await signWith(before.signed, key);
    while (replaced.sig <= old);
    rewriteEnvelope(s, decisionPath, { ...before, signatures: [replaced] });
    await s.git(['commit', '-q', '-am', 're-sign']);
    await expectViolation(
      s,
      {
        rule: 'continuity',
        code: 'MEMORY_ALTERED',
        file: decisionPath,
        message: new RegExp(`${key.fingerprint}.*replaced`),
      },
      ['--base', await parent(s)],
    );

    const deploy = readEnvelope(s, deployPath);
    const bob = await newKeyFiles(s.dir, 'Bob');
    rewriteEnvelope(s, deployPath, { ...deploy, signatures: [await signWith(deploy.signed, bob)] });
    await s.git(['commit', '-q', '-am', 'swap signer']);
    await expectViolation(
      s,
      {
        rule: 'continuity',
        code: 'MEMORY_ALTERED',
        file: deployPath,
        message: new RegExp(`${key.fingerprint}.*removed`),
      },
      ['--base', await parent(s)],
    );
  });

  it('gaining a signature is not an alteration', async () => {
    const { s } = fresh();
    const bob = await newKeyFiles(s.dir, 'Bob');
    await s.ok(['trust', 'add', bob.publicFile]);
    const base = (await s.git(['rev-parse', 'HEAD'])).trim();
    const envelope = readEnvelope(s, decisionPath);
    const cosigned = [...envelope.signatures, await signWith(envelope.signed, bob)];
    rewriteEnvelope(s, decisionPath, { ...envelope, signatures: cosigned });
    await s.git(['commit', '-q', '-am', 'co-sign']);
    expect(await s.git(['diff', '--name-only', base, 'HEAD'])).toBe(`${decisionPath}\n`);
    const report = await covenantJson(s, ['--base', base, '--head', 'HEAD']);
    expect(report).toMatchObject({ code: 0, ok: true, violations: [] });
    const shown = await s.json<{ verification: { signatures: { state: string }[] } }>([
      'show',
      decisionPath.slice(-69, -5),
    ]);
    expect(shown.verification.signatures.map((x) => x.state)).toEqual(['valid', 'valid']);
  });

  it('trust comes from the base: a change that trusts its own new key fails', async () => {
    const { s } = fresh();
    await s.git(['tag', 'reviewed']);
    const sneaky = await newKeyFiles(s.dir, 'Sneaky');
    await s.ok(['trust', 'add', sneaky.publicFile, '--no-commit']);
    const recorded = await s.json<{ path: string }>([
      'record',
      'decision',
      'Approved by myself',
      '--key',
      sneaky.privateFile,
      '--no-commit',
    ]);
    // The pre-commit check sees it...
    const staged = await expectViolation(
      s,
      { rule: 'provenance', code: 'SIGNATURE_UNTRUSTED', file: recorded.path },
      ['--staged'],
    );
    expect(staged.report.candidate).toBe('index');
    await s.git(['commit', '-q', '-m', 'trust myself and decide']);
    // ...and so does the pull-request check, however the change is committed.
    const { report } = await expectViolation(
      s,
      {
        rule: 'provenance',
        code: 'SIGNATURE_UNTRUSTED',
        file: recorded.path,
        message: new RegExp(sneaky.fingerprint),
      },
      ['--base', 'reviewed', '--head', 'main'],
    );
    expect(report.base).toMatch(/^reviewed \([0-9a-f]{7}\)$/);
    expect(report.trustAnchors).toBe(1);
    expect(report.notes.join('\n')).toContain(
      `trust anchors added by this change take effect once it is merged: ${sneaky.fingerprint}`,
    );
    // Once merged, the key is a trust anchor for what comes next.
    expect((await s.run(['covenant'])).code).toBe(0);
  });

  it('policy comes from the base: a change cannot relax it and slip in an unsigned memory', async () => {
    const { s } = fresh();
    const config = JSON.parse(s.read('.remembrancer/config.json')) as Record<string, unknown>;
    s.write('.remembrancer/config.json', JSON.stringify({ ...config, policy: 'permissive' }));
    const { file } = writeMemory(s, { signed: decisionSigned('Sneaked in'), signatures: [] });
    await s.git(['add', '-A']);
    await s.git(['commit', '-q', '-m', 'relax']);
    const { report } = await expectViolation(
      s,
      { rule: 'provenance', code: 'SIGNER_REQUIRED', file },
      ['--base', await parent(s)],
    );
    expect(report.policy).toBe('strict');
  });

  it('a seal committed together with a memory it does not cover', async () => {
    const { s } = fresh();
    const seal = await s.json<{ id: string; treeSize: number }>(['seal', '--no-commit']);
    expect(seal.treeSize).toBe(2);
    await s.ok(['record', 'decision', 'Slipped in beside the seal', '--no-commit']);
    const sealFile = memoryFile(seal.id);
    // Before the commit, the seal is judged against the memories beside it...
    await expectViolation(s, {
      rule: 'continuity',
      code: 'SEAL_MISMATCH',
      file: sealFile,
      message: /beside it.* over 3\b/,
    });
    await s.git(['commit', '-q', '-m', 'seal and one more']);
    // ...and after it, against the commit that added it.
    await expectViolation(s, {
      rule: 'continuity',
      code: 'SEAL_MISMATCH',
      file: sealFile,
      message: /commit that added it.* over 3\b/,
    });
  });
});

describe.concurrent('--staged checks the index, not the working tree', () => {
  it('sees a bad file once it is staged, and not before', async () => {
    const { s } = fresh();
    const bad = memoryFile('d'.repeat(64));
    s.write(bad, '{ not json');
    expect((await s.run(['covenant', '--staged'])).code).toBe(0);
    expect((await s.run(['covenant'])).code).toBe(1);
    await s.git(['add', bad]);
    const { report } = await expectViolation(
      s,
      { rule: 'integrity', code: 'MALFORMED_JSON', file: bad },
      ['--staged'],
    );
    expect(report.candidate).toBe('index');
    expect(report.base).toMatch(/^HEAD \([0-9a-f]{7}\)$/);
  });

  it('ignores an unstaged edit, and sees a staged removal', async () => {
    const { s } = fresh();
    s.write(decisionPath, 'garbage');
    expect((await s.run(['covenant', '--staged'])).code).toBe(0);
    await s.git(['checkout', '--', decisionPath]);
    await s.git(['rm', '-q', '--cached', '--', deployPath]);
    expect((await s.run(['covenant'])).code).toBe(0);
    await expectViolation(s, { rule: 'continuity', code: 'MEMORY_REMOVED', file: deployPath }, [
      '--staged',
    ]);
  });
});

describe.concurrent('covenant usage', () => {
  it('refuses --staged with --base, and an unknown --base (exit 2)', async () => {
    const { s } = fresh();
    const [both, unknown] = await Promise.all([
      s.run(['covenant', '--staged', '--base', 'HEAD']),
      s.run(['covenant', '--base', 'no-such-branch']),
    ]);
    expect(both.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: .*no-such-branch.*\(fix: .+\)$/m);
  });

  it('a memory moved aside is both misfiled and missing', async () => {
    const { s } = fresh();
    const id = decisionPath.slice(-69, -5);
    const shard = id.startsWith('00') ? 'ff' : '00';
    const moved = memoryFile(id, shard);
    s.write(moved, '');
    renameSync(join(s.repo, decisionPath), join(s.repo, moved));
    const { report } = await expectViolation(s, {
      rule: 'integrity',
      code: 'WRONG_SHARD',
      file: moved,
    });
    expect(report.violations).toContainEqual(
      expect.objectContaining({ rule: 'continuity', code: 'MEMORY_REMOVED', file: decisionPath }),
    );
  });
});
