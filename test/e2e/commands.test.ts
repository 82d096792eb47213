/**
 * Every command as a user runs it: the real built CLI in a real git repository, judged by
 * what a user notices (exit code, the one-line error, JSON fields, git log and status).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Signed } from '../../src/memory/envelope.js';
import {
  filesIn,
  head,
  memoryFiles,
  type RunResult,
  Sandbox,
  sandboxTracker,
  subject,
} from '../helpers/cli.js';
import {
  decisionSigned,
  defaultKey,
  idOf,
  newKeyFiles,
  signWith,
  writeMemory,
} from '../helpers/craft.js';

const track = sandboxTracker();

/** An initialised strict repository with a trusted default key, copied for each test. */
let template: Sandbox;
let fingerprint: string;
beforeAll(async () => {
  template = track(new Sandbox());
  fingerprint = await template.initSigned();
});
const fresh = () => track(template.fork());

interface Recorded {
  id: string;
  type: string;
  path: string;
  write: string;
  signers: string[];
  commit: string | null;
  warnings: string[];
}

interface ListItem {
  id: string;
  type: string;
  created: string;
  node: string;
  author: { name: string; email: string; key?: string };
  summary: string;
  signers: string[];
  path: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function staged(s: Sandbox): Promise<string[]> {
  return (await s.git(['diff', '--cached', '--name-only'])).split('\n').filter(Boolean);
}

/** The command failed with this exit code and one `error:` line that says what to do. */
function expectError(result: RunResult, code: number, ...mentions: string[]): string {
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(code);
  const errors = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors, result.stderr).toHaveLength(1);
  const line = errors[0] as string;
  expect(line).toMatch(/\(fix: .+\)$/);
  for (const m of mentions) expect(line).toContain(m);
  return line;
}

describe.concurrent('init', () => {
  it('writes the config and the .gitattributes line and commits them', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    const out = await s.json<{ node: string; policy: string; created: boolean; commit: string }>([
      'init',
      '--name',
      'payments',
      '--policy',
      'permissive',
    ]);
    expect(out).toMatchObject({ node: 'payments', policy: 'permissive', created: true });
    expect(out.commit).toBe(await head(s));
    expect(JSON.parse(s.read('.remembrancer/config.json'))).toEqual({
      schema: 1,
      node: 'payments',
      policy: 'permissive',
    });
    expect(s.read('.gitattributes').split('\n')).toContain('.remembrancer/** -text');
    expect(await subject(s)).toBe('remembrancer: init payments (permissive)');
    expect((await filesIn(s)).sort()).toEqual(['.gitattributes', '.remembrancer/config.json']);
    expect(await s.git(['status', '--porcelain'])).toBe('');
  });

  it('defaults to the folder name and the strict policy, and keeps an existing .gitattributes', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    s.write('.gitattributes', '*.png binary');
    const result = await s.ok(['init']);
    expect(result.stdout).toContain('with the strict policy');
    expect(result.stdout).toContain('next: remembrancer key generate --trust');
    expect(JSON.parse(s.read('.remembrancer/config.json'))).toMatchObject({
      node: 'repo',
      policy: 'strict',
    });
    expect(s.read('.gitattributes')).toBe('*.png binary\n.remembrancer/** -text\n');
  });

  it('is idempotent: a second run changes nothing', async () => {
    const s = fresh();
    const before = await s.state();
    const again = await s.ok(['init']);
    expect(again.stdout).toContain('already initialised');
    const same = await s.json<{ created: boolean; commit: string | null }>([
      'init',
      '--name',
      'test-node',
      '--policy',
      'strict',
    ]);
    expect(same).toMatchObject({ created: false, commit: null });
    expect(await s.state()).toBe(before);
    expect(s.read('.gitattributes').match(/-text/g)).toHaveLength(1);
  });

  it('refuses a re-run that conflicts with the config (exit 2), changing nothing', async () => {
    const s = fresh();
    const before = await s.state();
    expectError(
      await s.run(['init', '--policy', 'permissive']),
      2,
      '.remembrancer/config.json',
      'already initialised',
    );
    expectError(await s.run(['init', '--name', 'other']), 2, '.remembrancer/config.json');
    expect(await s.state()).toBe(before);
  });

  it('--no-commit stages the files without committing', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    const out = await s.json<{ commit: string | null }>(['init', '--no-commit']);
    expect(out.commit).toBeNull();
    expect(await s.git(['rev-parse', '--verify', '-q', 'HEAD']).catch(() => 'none')).toBe('none');
    expect((await staged(s)).sort()).toEqual(['.gitattributes', '.remembrancer/config.json']);
  });
});

describe.concurrent('key generate', () => {
  it('--trust writes a 0600 private key outside the repository, the public key beside it, and commits the trust file', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    await s.ok(['init', '--name', 'test-node']);
    const key = await s.json<{
      fingerprint: string;
      privateKey: string;
      publicKey: string;
      default: boolean;
      trusted: boolean;
      commit: string;
    }>(['key', 'generate', '--name', 'Ada Lovelace', '--email', 'ada@example.com', '--trust']);
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(key).toMatchObject({ default: true, trusted: true });
    // The private key: in the user's config folder, never in the repository, mode 0600.
    expect(relative(s.repo, key.privateKey).startsWith('..')).toBe(true);
    expect(key.privateKey).toBe(
      join(s.home, '.config', 'remembrancer', 'keys', `${key.fingerprint}.key.asc`),
    );
    expect(statSync(key.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(key.privateKey, 'utf8')).toContain('BEGIN PGP PRIVATE KEY BLOCK');
    expect(key.publicKey).toBe(key.privateKey.replace(/\.key\.asc$/, '.pub.asc'));
    expect(readFileSync(key.publicKey, 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    // The trust anchor: committed, public only.
    const trustFile = `.remembrancer/trust/keys/${key.fingerprint}.asc`;
    expect(key.commit).toBe(await head(s));
    expect(await filesIn(s)).toEqual([trustFile]);
    expect(await subject(s)).toMatch(/^remembrancer: trust [0-9A-F]{16} \(Ada Lovelace/);
    expect(s.read(trustFile)).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(s.read(trustFile)).not.toContain('PRIVATE');
    expect(await s.git(['status', '--porcelain'])).toBe('');
    // It is the default signer from now on.
    const recorded = await s.json<Recorded>(['record', 'decision', 'First signed decision']);
    expect(recorded.signers).toEqual([key.fingerprint]);
  });

  it('writes --out outside the repository with the public key beside it, and is not made default twice', async () => {
    const s = fresh();
    const out = join(s.dir, 'keys', 'ci.key.asc');
    const key = await s.json<{ privateKey: string; publicKey: string; default: boolean }>([
      'key',
      'generate',
      '--name',
      'CI',
      '--email',
      'ci@example.com',
      '--out',
      out,
    ]);
    expect(key).toMatchObject({ privateKey: out, publicKey: join(s.dir, 'keys', 'ci.pub.asc') });
    expect(key.default).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(existsSync(key.publicKey)).toBe(true);
    expectError(
      await s.run(['key', 'generate', '--name', 'CI', '--email', 'ci@example.com', '--out', out]),
      2,
      out,
      'never overwritten',
    );
  });

  it('refuses --out inside the repository (exit 2) and writes nothing', async () => {
    const s = fresh();
    const before = await s.state();
    for (const out of ['keys/me.key.asc', join(s.repo, '.remembrancer', 'me.key.asc')]) {
      expectError(
        await s.run([
          'key',
          'generate',
          '--name',
          'Me',
          '--email',
          'me@example.com',
          '--out',
          out,
          '--trust',
        ]),
        2,
        'refusing to write a private key inside the repository',
        out,
      );
    }
    expect(existsSync(join(s.repo, 'keys'))).toBe(false);
    expect(existsSync(join(s.repo, '.remembrancer', 'me.key.asc'))).toBe(false);
    expect(await s.state()).toBe(before);
  });
});

describe.concurrent('trust add, list and remove', () => {
  it('adds, lists and removes a trust anchor, one commit each', async () => {
    const s = fresh();
    const bob = await newKeyFiles(s.dir, 'Bob Builder');
    const added = await s.json<{
      keys: { fingerprint: string; status: string; userIds: string[] }[];
      commit: string;
    }>(['trust', 'add', bob.publicFile]);
    expect(added.keys).toEqual([
      { fingerprint: bob.fingerprint, status: 'added', userIds: [expect.stringContaining('Bob')] },
    ]);
    expect(added.commit).toBe(await head(s));
    expect(await filesIn(s)).toEqual([`.remembrancer/trust/keys/${bob.fingerprint}.asc`]);

    const again = await s.ok(['trust', 'add', bob.publicFile]);
    expect(again.stdout).toContain(`already trusted ${bob.fingerprint}`);
    expect(await head(s)).toBe(added.commit);

    const { keys: list } = await s.json<{
      keys: { fingerprint: string; path: string; algorithm: string }[];
    }>(['trust', 'list']);
    expect(list.map((k) => k.fingerprint).sort()).toEqual([bob.fingerprint, fingerprint].sort());
    expect(list.find((k) => k.fingerprint === bob.fingerprint)?.path).toBe(
      `.remembrancer/trust/keys/${bob.fingerprint}.asc`,
    );
    const table = await s.ok(['trust', 'list']);
    expect(table.stdout).toContain(bob.fingerprint);

    const removed = await s.ok(['trust', 'remove', bob.fingerprint.slice(-16)]);
    expect(removed.stdout).toContain(`no longer trusted: ${bob.fingerprint}`);
    expect(await subject(s)).toBe(`remembrancer: distrust ${bob.fingerprint.slice(-16)}`);
    expect(s.exists(`.remembrancer/trust/keys/${bob.fingerprint}.asc`)).toBe(false);
    const { keys: after } = await s.json<{ keys: { fingerprint: string }[] }>(['trust', 'list']);
    expect(after.map((k) => k.fingerprint)).toEqual([fingerprint]);
    expect(await s.git(['status', '--porcelain'])).toBe('');

    expectError(await s.run(['trust', 'remove', bob.fingerprint]), 1, 'no trust anchor matches');
  });

  it('refuses a private key file (exit 2) and writes nothing', async () => {
    const s = fresh();
    const eve = await newKeyFiles(s.dir, 'Eve');
    const before = await s.state();
    expectError(await s.run(['trust', 'add', eve.privateFile]), 2, eve.privateFile, 'private key');
    expect(await s.state()).toBe(before);
    expect(s.exists(`.remembrancer/trust/keys/${eve.fingerprint}.asc`)).toBe(false);
  });

  it('refuses a file that is not a key, and a missing file (exit 2)', async () => {
    const s = fresh();
    const junk = s.write('junk.asc', 'hello');
    expectError(await s.run(['trust', 'add', junk]), 2, junk, 'not an OpenPGP public key');
    expectError(await s.run(['trust', 'add', 'missing.asc']), 2, 'missing.asc');
  });
});

describe.concurrent('record deploy', () => {
  it('records a receipt for an --evidence file and commits exactly that memory', async () => {
    const s = fresh();
    s.write('dist/my-service-1.0.0.tgz', 'the artifact bytes');
    const digest = sha256('the artifact bytes');
    const out = await s.json<Recorded>([
      'record',
      'deploy',
      '--component',
      'my-service',
      '--version',
      '1.0.0',
      '--evidence',
      'dist/my-service-1.0.0.tgz',
      '--env',
      'production',
      '--note',
      'canary went fine',
    ]);
    expect(out).toMatchObject({
      type: 'deploy',
      write: 'created',
      signers: [fingerprint],
      warnings: [],
    });
    expect(out.id).toMatch(/^[0-9a-f]{64}$/);
    expect(out.path).toBe(`.remembrancer/memories/${out.id.slice(0, 2)}/${out.id}.json`);
    expect(out.commit).toBe(await head(s));
    expect(await subject(s)).toBe('remembrancer: deploy my-service 1.0.0 to production');
    expect(await filesIn(s)).toEqual([out.path]);
    // The artifact itself stays the user's business: untracked, not committed.
    expect(await s.git(['status', '--porcelain'])).toBe('?? dist/\n');

    const shown = await s.json<{
      envelope: {
        signed: {
          subject: { name: string; digest: { sha256: string } }[];
          body: Record<string, unknown>;
        };
      };
      verification: { ok: boolean };
    }>(['show', out.id]);
    expect(shown.verification.ok).toBe(true);
    expect(shown.envelope.signed.subject).toEqual([
      { name: 'my-service-1.0.0.tgz', digest: { sha256: digest } },
    ]);
    expect(shown.envelope.signed.body).toEqual({
      component: 'my-service',
      version: '1.0.0',
      environment: 'production',
      note: 'canary went fine',
      evidence: { path: 'dist/my-service-1.0.0.tgz', sha256: digest, size: 18 },
    });
  });

  it('records a receipt by --sha256 with the default commit message', async () => {
    const s = fresh();
    const digest = sha256('by digest');
    const out = await s.ok([
      'record',
      'deploy',
      '--component',
      'my-service',
      '--version',
      '1.0.0',
      '--sha256',
      digest.toUpperCase(),
    ]);
    expect(out.stdout).toMatch(/^recorded deploy [0-9a-f]{12} my-service 1\.0\.0$/m);
    expect(out.stdout).toContain(`signed by ${fingerprint}`);
    expect(await subject(s)).toBe('remembrancer: deploy my-service 1.0.0');
    const [item] = await s.json<ListItem[]>(['list', 'deployments']);
    const shown = await s.json<{
      envelope: { signed: { subject: unknown[]; body: Record<string, unknown> } };
    }>(['show', item?.id as string]);
    expect(shown.envelope.signed.subject).toEqual([
      { name: 'my-service@1.0.0', digest: { sha256: digest } },
    ]);
    expect(shown.envelope.signed.body).toEqual({ component: 'my-service', version: '1.0.0' });
  });

  it('refuses a bad --sha256, a missing digest and a missing evidence file (exit 2), changing nothing', async () => {
    const s = fresh();
    const before = await s.state();
    const base = ['record', 'deploy', '--component', 'api', '--version', '1.0.0'];
    expectError(await s.run([...base, '--sha256', 'abc123']), 2, 'abc123');
    expectError(await s.run([...base, '--sha256', 'g'.repeat(64)]), 2, '--sha256');
    expectError(await s.run(base), 2, '--sha256', '--evidence');
    expectError(await s.run([...base, '--evidence', 'nope.tgz']), 2, 'nope.tgz');
    const usage = await s.run([
      'record',
      'deploy',
      '--component',
      'api',
      '--sha256',
      'a'.repeat(64),
    ]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('version');
    expect(await s.state()).toBe(before);
  });

  it('refuses to write a private key block into a memory (exit 2), changing nothing', async () => {
    // DESIGN.md §2: nothing secret is ever written under .remembrancer/. A memory is
    // immutable once committed, so the only safe moment to refuse is before writing it.
    const s = fresh();
    const secret = readFileSync(defaultKey(s, fingerprint).privateFile, 'utf8');
    const before = await s.state();
    const result = await s.run([
      'record',
      'deploy',
      '--component',
      'api',
      '--version',
      '1.0.0',
      '--sha256',
      'a'.repeat(64),
      `--note=${secret}`,
    ]);
    expectError(result, 2, 'private key');
    expect(await s.state()).toBe(before);
  });
});

describe.concurrent('record decision', () => {
  it('records a tagged decision and commits it', async () => {
    const s = fresh();
    const out = await s.json<Recorded>([
      'record',
      'decision',
      'Use Postgres 16 for the ledger',
      '--tag',
      'Ledger',
      '--tag',
      'database',
      '--tag',
      'ledger',
    ]);
    expect(out).toMatchObject({ type: 'decision', write: 'created', signers: [fingerprint] });
    expect(await subject(s)).toBe('remembrancer: decision Use Postgres 16 for the ledger');
    expect(await filesIn(s)).toEqual([out.path]);
    const shown = await s.ok(['show', out.id.slice(0, 8)]);
    expect(shown.stdout).toMatch(/^tags\s+database, ledger$/m);
    expect(shown.stdout).toContain('    Use Postgres 16 for the ledger');
    const body = JSON.parse(s.read(out.path)).signed.body;
    expect(body).toEqual({ text: 'Use Postgres 16 for the ledger', tags: ['database', 'ledger'] });
  });

  it('refuses an empty decision and a malformed tag (exit 2)', async () => {
    const s = fresh();
    const before = await s.state();
    expectError(await s.run(['record', 'decision', '   ']), 2, 'empty');
    expectError(await s.run(['record', 'decision', 'x', '--tag', 'no spaces']), 2, 'no spaces');
    expect(await s.state()).toBe(before);
  });

  it('--no-commit stages the memory and leaves HEAD alone', async () => {
    const s = fresh();
    const before = await head(s);
    const out = await s.json<Recorded>(['record', 'decision', 'Staged only', '--no-commit']);
    expect(out.commit).toBeNull();
    expect(await head(s)).toBe(before);
    expect(await staged(s)).toEqual([out.path]);
    expect(await s.git(['diff', '--cached', '--', out.path])).toContain('"text": "Staged only"');
    expect(await s.git(['status', '--porcelain'])).toBe(`A  ${out.path}\n`);
    const text = await s.ok(['record', 'decision', 'Also staged', '--no-commit']);
    expect(text.stdout).toContain('staged, not committed');
    expect(await s.ok(['covenant', '--staged'])).toMatchObject({ code: 0 });
  });

  it('commits only its own file: what the user staged stays staged and uncommitted', async () => {
    const s = fresh();
    s.write('README.md', 'v1\n');
    await s.git(['add', 'README.md']);
    await s.git(['commit', '-q', '-m', 'readme']);
    s.write('README.md', 'v2 staged\n');
    s.write('app.txt', 'new app\n');
    await s.git(['add', 'README.md', 'app.txt']);
    s.write('README.md', 'v3 in the working tree\n');
    const before = await head(s);

    const out = await s.json<Recorded>(['record', 'decision', 'Keep the user index intact']);
    expect(await filesIn(s)).toEqual([out.path]);
    expect((await s.git(['rev-parse', 'HEAD~1'])).trim()).toBe(before);
    expect(await s.git(['show', 'HEAD:README.md'])).toBe('v1\n');
    expect(await staged(s)).toEqual(['README.md', 'app.txt']);
    expect(await s.git(['show', ':README.md'])).toBe('v2 staged\n');
    expect(s.read('README.md')).toBe('v3 in the working tree\n');
    expect(await s.git(['status', '--porcelain'])).toBe('MM README.md\nA  app.txt\n');
  });
});

describe.concurrent('list, show and receipt', () => {
  let s: Sandbox;
  let decision: Recorded;
  let deploy: Recorded;
  beforeAll(async () => {
    s = fresh();
    decision = await s.json<Recorded>(['record', 'decision', 'Adopt trunk-based development']);
    deploy = await s.json<Recorded>([
      'record',
      'deploy',
      '--component',
      'billing',
      '--version',
      '2.3.4',
      '--sha256',
      sha256('billing'),
      '--env',
      'staging',
    ]);
  });

  it('lists everything, one tab-separated row per memory in a pipe', async () => {
    const out = await s.ok(['list']);
    const rows = out.stdout.trim().split('\n');
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row.split('\t')).toHaveLength(5);
    expect(out.stdout).toContain(`${decision.id.slice(0, 12)}\tdecision\t`);
    expect(out.stdout).toContain('Test Signer\tAdopt trunk-based development');
    expect(out.stdout).toContain('billing 2.3.4 → staging');
  });

  it('filters by type, with plural spellings, and prints JSON', async () => {
    const deployments = await s.json<ListItem[]>(['list', 'deployments']);
    expect(deployments).toEqual([
      {
        id: deploy.id,
        type: 'deploy',
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        node: 'test-node',
        author: { name: 'Test Signer', email: 'signer@example.com', key: fingerprint },
        summary: 'billing 2.3.4 → staging',
        signers: [fingerprint],
        path: deploy.path,
        deploy: { component: 'billing', version: '2.3.4', environment: 'staging' },
      },
    ]);
    const decisions = await s.json<ListItem[]>(['list', 'decisions']);
    expect(decisions.map((m) => m.id)).toEqual([decision.id]);
    expect(await s.json<ListItem[]>(['list', 'seals'])).toEqual([]);
    expect((await s.json<ListItem[]>(['list'])).map((m) => m.id).sort()).toEqual(
      [decision.id, deploy.id].sort(),
    );
    expect(await s.json<ListItem[]>(['list', '--limit', '1'])).toHaveLength(1);
    expectError(await s.run(['list', 'gizmos']), 2, 'unknown memory type "gizmos"');
  });

  it('shows a memory by a unique prefix and checks its signature', async () => {
    const out = await s.ok(['show', decision.id.slice(0, 6)]);
    expect(out.stdout.split('\n')[0]).toBe(`decision ${decision.id}`);
    expect(out.stdout).toMatch(/^author\s+Test Signer <signer@example.com>$/m);
    expect(out.stdout).toMatch(/^file\s+\.remembrancer\/memories\//m);
    expect(out.stdout).toMatch(new RegExp(`✓ valid\\s+${fingerprint}`));
    const full = await s.ok(['show', decision.id.toUpperCase()]);
    expect(full.stdout).toBe(out.stdout);
  });

  it('`receipt` is an alias of show, with --json', async () => {
    const out = await s.json<{
      id: string;
      path: string;
      envelope: { signed: { type: string } };
      verification: { ok: boolean; policy: string; signatures: { state: string }[] };
    }>(['receipt', deploy.id.slice(0, 10)]);
    expect(out.id).toBe(deploy.id);
    expect(out.path).toBe(deploy.path);
    expect(out.envelope.signed.type).toBe('deploy');
    expect(out.verification).toMatchObject({
      ok: true,
      policy: 'strict',
      signatures: [{ state: 'valid', keyid: fingerprint }],
    });
    const text = await s.ok(['receipt', deploy.id.slice(0, 10)]);
    expect(text.stdout).toMatch(/^component\s+billing$/m);
  });

  it('reports an unknown id (exit 1), an ambiguous prefix and a non-hex id (exit 2)', async () => {
    const unknown = decision.id.startsWith('0000') ? 'ffff' : '0000';
    expectError(await s.run(['show', unknown]), 1, `no memory has an id starting with ${unknown}`);
    expectError(await s.run(['show', 'zz']), 2, '"zz" is not a memory id or prefix');
    expectError(await s.run(['show', 'abc']), 2, 'at least 4 hex characters');

    // Two signed memories whose ids share their first 4 hex digits.
    const t = fresh();
    const key = defaultKey(t, fingerprint);
    const seen = new Map<string, Signed<unknown>>();
    let pair: [Signed<unknown>, Signed<unknown>] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const signed = decisionSigned(`Collision candidate ${i}`, { key });
      const prefix = idOf(signed).slice(0, 4);
      const other = seen.get(prefix);
      if (other !== undefined) pair = [other, signed];
      else seen.set(prefix, signed);
    }
    const prefix = idOf(pair[0]).slice(0, 4);
    for (const signed of pair)
      writeMemory(t, { signed, signatures: [await signWith(signed, key)] });
    expectError(
      await t.run(['show', prefix]),
      2,
      `${prefix} matches 2 memories`,
      'more characters',
    );
    expect(await t.run(['covenant'])).toMatchObject({ code: 0 });
  });
});

describe.concurrent('verify', () => {
  let s: Sandbox;
  beforeAll(async () => {
    s = fresh();
    s.write('build/app.tgz', 'release 1');
    await s.ok([
      'record',
      'deploy',
      '--component',
      'app',
      '--version',
      '1',
      '--evidence',
      'build/app.tgz',
    ]);
  });

  it('exits 0 for a file with a valid receipt', async () => {
    const out = await s.ok(['verify', 'build/app.tgz']);
    expect(out.stdout).toMatch(new RegExp(`✓ known\\s+sha256:${sha256('release 1')}`));
    expect(out.stdout).toContain('1 valid receipt(s)');
    const json = await s.json<{
      ok: boolean;
      source: string;
      sha256: string;
      receipts: { valid: boolean; type: string }[];
    }>(['verify', 'build/app.tgz']);
    expect(json).toMatchObject({ ok: true, source: 'file', sha256: sha256('release 1') });
    expect(json.receipts).toMatchObject([{ valid: true, type: 'deploy' }]);
  });

  it('exits 1 for a file nobody recorded, with the reason', async () => {
    s.write('build/other.tgz', 'something else');
    const out = await s.run(['verify', 'build/other.tgz']);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('✗ not verified');
    expect(out.stdout).toContain(`no receipt names sha256 ${sha256('something else')}`);
  });

  it('accepts the sha256:<hex> and bare hex forms', async () => {
    const digest = sha256('release 1');
    const json = await s.json<{ ok: boolean; source: string }>(['verify', `sha256:${digest}`]);
    expect(json).toMatchObject({ ok: true, source: 'digest' });
    expect((await s.run(['verify', digest])).code).toBe(0);
    expect((await s.run(['verify', `sha256:${'0'.repeat(64)}`])).code).toBe(1);
  });

  it('exits 1 when the only receipt has an invalid signature, saying why', async () => {
    const t = fresh();
    const key = defaultKey(t, fingerprint);
    const digest = sha256('forged');
    const signed: Signed<unknown> = {
      type: 'deploy',
      schema: 1,
      created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      node: 'test-node',
      author: { name: key.name, email: key.email, key: key.fingerprint },
      subject: [{ name: 'forged.tgz', digest: { sha256: digest } }],
      body: { component: 'forged', version: '6.6.6' },
    };
    // A genuine signature by the trusted key, but over other content.
    const stolen = await signWith({ ...signed, body: { component: 'real', version: '1' } }, key);
    writeMemory(t, { signed, signatures: [stolen] });
    const out = await t.run(['verify', `sha256:${digest}`]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain(`every receipt naming sha256 ${digest} fails`);
    expect(out.stdout).toContain(`signature by ${key.fingerprint} is invalid`);
  });

  it('exits 2 for something that is neither a file nor a digest', async () => {
    expectError(await s.run(['verify', 'no/such/file.tgz']), 2, 'no/such/file.tgz', 'sha256:');
  });
});

describe.concurrent('root and seal', () => {
  it('prints the root, seals it once, and says so the second time', async () => {
    const s = fresh();
    await s.ok(['record', 'decision', 'One']);
    await s.ok(['record', 'decision', 'Two']);
    const root = await s.json<{
      root: string;
      treeSize: number;
      invalidFiles: number;
      latestSeal: null | { id: string; current: boolean; root: string; treeSize: number };
    }>(['root']);
    expect(root).toMatchObject({ treeSize: 2, invalidFiles: 0, latestSeal: null });
    expect(root.root).toMatch(/^[0-9a-f]{64}$/);
    const text = await s.ok(['root']);
    expect(text.stdout.split('\n')[0]).toBe(root.root);
    expect(text.stdout).toContain('no seal yet');

    const sealed = await s.json<{
      status: string;
      id: string;
      root: string;
      treeSize: number;
      previous: string | null;
      commit: string;
    }>(['seal']);
    expect(sealed).toMatchObject({
      status: 'sealed',
      root: root.root,
      treeSize: 2,
      previous: null,
    });
    expect(sealed.commit).toBe(await head(s));
    expect(await subject(s)).toBe(`remembrancer: seal ${root.root.slice(0, 12)} over 2 memories`);
    expect(await filesIn(s)).toEqual([
      `.remembrancer/memories/${sealed.id.slice(0, 2)}/${sealed.id}.json`,
    ]);

    const after = await s.json<{ root: string; latestSeal: { id: string; current: boolean } }>([
      'root',
    ]);
    expect(after.root).toBe(root.root);
    expect(after.latestSeal).toMatchObject({ id: sealed.id, current: true });

    const before = await s.state();
    const again = await s.ok(['seal']);
    expect(again.stdout).toContain('nothing new to seal');
    expect(again.stdout).toContain(sealed.id.slice(0, 12));
    expect(await s.state()).toBe(before);

    await s.ok(['record', 'decision', 'Three']);
    const behind = await s.json<{ treeSize: number; latestSeal: { current: boolean } }>(['root']);
    expect(behind).toMatchObject({ treeSize: 3, latestSeal: { current: false } });
    const next = await s.json<{ status: string; previous: string }>(['seal']);
    expect(next).toMatchObject({ status: 'sealed', previous: sealed.id });
    expect(await s.run(['covenant'])).toMatchObject({ code: 0 });
  });

  it('commits uncommitted memories together with the seal that covers them', async () => {
    const s = fresh();
    const staged1 = await s.json<Recorded>([
      'record',
      'decision',
      'Not yet committed',
      '--no-commit',
    ]);
    const out = await s.ok(['seal']);
    expect(out.stdout).toMatch(/1 uncommitted memor/);
    expect(await filesIn(s)).toContain(staged1.path);
    expect(await s.git(['status', '--porcelain'])).toBe('');
    expect(await s.run(['covenant'])).toMatchObject({ code: 0 });
  });
});

describe.concurrent('where it runs', () => {
  it('works from any subfolder, and with -C', async () => {
    const s = fresh();
    const deep = join(s.repo, 'services', 'api', 'src');
    mkdirSync(deep, { recursive: true });
    s.write('services/api/build/api.tgz', 'api build');
    const cwd = join(s.repo, 'services', 'api');
    const decision = await s.json<Recorded>(['record', 'decision', 'From a subfolder'], {
      cwd: deep,
    });
    expect(s.exists(decision.path)).toBe(true);
    const deploy = await s.json<Recorded>(
      ['record', 'deploy', '--component', 'api', '--version', '1', '--evidence', 'build/api.tgz'],
      { cwd },
    );
    const body = JSON.parse(s.read(deploy.path)).signed.body;
    expect(body.evidence.path).toBe('services/api/build/api.tgz');
    expect((await s.json<ListItem[]>(['list'], { cwd: deep })).map((m) => m.id).sort()).toEqual(
      [decision.id, deploy.id].sort(),
    );
    expect((await s.run(['verify', 'build/api.tgz'], { cwd })).code).toBe(0);
    expect((await s.run(['covenant'], { cwd: deep })).code).toBe(0);
    expect(await s.git(['status', '--porcelain'])).toBe('?? services/\n');
    const elsewhere = join(s.dir, 'elsewhere');
    mkdirSync(elsewhere);
    expect(await s.json<ListItem[]>(['-C', deep, 'list'], { cwd: elsewhere })).toHaveLength(2);
  });

  it('outside a git repository every command exits 2 with a clear message', async () => {
    const s = track(new Sandbox());
    const outside = join(s.dir, 'not-a-repo');
    mkdirSync(outside);
    const commands = [
      ['init'],
      ['list'],
      ['record', 'decision', 'nowhere'],
      ['covenant'],
      ['seal'],
      ['root'],
      ['verify', `sha256:${'a'.repeat(64)}`],
    ];
    const results = await Promise.all(commands.map((c) => s.run(c, { cwd: outside })));
    for (const result of results) {
      expectError(result, 2, 'not inside a git repository', 'git init');
    }
    expect(existsSync(join(outside, '.remembrancer'))).toBe(false);
  });

  it('in a git repository that was never initialised, commands say to run init (exit 2)', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    for (const args of [['list'], ['record', 'decision', 'x'], ['covenant']]) {
      expectError(await s.run(args), 2, 'remembrancer init');
    }
  });
});

describe.concurrent('policies', () => {
  it('strict without a signing key exits 2 and writes nothing', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    await s.ok(['init']);
    const before = await s.state();
    expectError(
      await s.run(['record', 'decision', 'Unsigned is not allowed here']),
      2,
      'strict policy requires a signature',
      'key generate --trust',
    );
    expectError(
      await s.run([
        'record',
        'deploy',
        '--component',
        'a',
        '--version',
        '1',
        '--sha256',
        'a'.repeat(64),
      ]),
      2,
      'strict policy',
    );
    expectError(await s.run(['seal']), 2, 'strict policy');
    expect(await s.state()).toBe(before);
    expect(existsSync(join(s.repo, '.remembrancer', 'memories'))).toBe(false);
  });

  it('permissive records unsigned memories with a warning, and the covenant holds', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    await s.ok(['init', '--policy', 'permissive']);
    const text = await s.ok(['record', 'decision', 'Unsigned but allowed']);
    expect(text.stderr).toMatch(/^warning: recording unsigned/m);
    expect(text.stdout).toContain('unsigned');
    const json = await s.json<Recorded>(['record', 'decision', 'Also unsigned']);
    expect(json.signers).toEqual([]);
    expect(json.warnings).toEqual([expect.stringContaining('recording unsigned')]);
    const author = JSON.parse(s.read(json.path)).signed.author;
    expect(author).toEqual({ name: 'Test Author', email: 'author@example.com' });
    const covenant = await s.ok(['covenant']);
    expect(covenant.stdout).toContain('✓ covenant holds');
    expect(covenant.stdout).toContain('policy permissive');
  });
});

describe.concurrent('terminal output', () => {
  const ESC = '\x1b[';

  it('NO_COLOR output has no escape codes, even when colour is forced', async () => {
    const s = fresh();
    s.write('.remembrancer/memories/00/junk.txt', 'not a memory');
    const env = { NO_COLOR: '1', FORCE_COLOR: '1' };
    const runs = [
      await s.run(['record', 'decision', 'Colourless', '--tag', 'ui'], { env }),
      await s.run(['list'], { env }),
      await s.run(['show', '0000'], { env }),
      await s.run(['covenant'], { env }),
      await s.run(['root'], { env }),
      await s.run(['init', '--policy', 'permissive'], { env }),
      await s.run(['--help'], { env }),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 1, 1, 0, 2, 0]);
    for (const r of runs) {
      expect(r.stdout).not.toContain(ESC);
      expect(r.stderr).not.toContain(ESC);
    }
    // Without NO_COLOR, forced colour does colour the same output: the check above bites.
    const coloured = await s.run(['covenant'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain(ESC);
    const plain = await s.run(['covenant', '--no-color'], {
      env: { NO_COLOR: '', FORCE_COLOR: '1' },
    });
    expect(plain.stdout).not.toContain(ESC);
  });

  it('the --help of every command, found from the help itself, includes examples', async () => {
    const s = fresh();
    /** The sub-commands a --help lists under "Commands:", as words after the program name. */
    const listed = (help: string, parent: string[]): string[][] => {
      const block = help.split(/\n\s*\n/).find((b) => b.startsWith('Commands:')) ?? '';
      return block
        .split('\n')
        .filter((line) => /^\s+remembrancer\s/.test(line)) // not a wrapped description
        .map((line) =>
          line
            .trim()
            .split(/\s+/)
            .slice(1 + parent.length),
        )
        .map((words) => [...parent, words[0] as string])
        .filter((c) => c.at(-1) && !/^[[<]/.test(c.at(-1) as string));
    };
    const seen: string[] = [];
    let level = listed((await s.run(['--help'])).stdout, []);
    while (level.length) {
      const results = await Promise.all(level.map((c) => s.run([...c, '--help'])));
      const next: string[][] = [];
      results.forEach((r, i) => {
        const command = level[i] as string[];
        const name = command.join(' ');
        seen.push(name);
        expect(r.code, name).toBe(0);
        expect(r.stdout, name).toContain('Examples:');
        expect(r.stdout, name).toContain(`remembrancer ${name}`);
        next.push(...listed(r.stdout, command));
      });
      level = next;
    }
    // Every verb of every group: 23 at the top, 28 in the 7 groups.
    expect(seen).toEqual(expect.arrayContaining(['record deploy', 'adr supersede', 'spawn check']));
    expect(seen.length).toBeGreaterThanOrEqual(51);
    expect((await s.run(['receipt', '--help'])).stdout).toContain('Examples:');
  });

  it('usage errors exit 2 with one error line', async () => {
    const s = fresh();
    expectError(await s.run(['frobnicate']), 2);
    expectError(await s.run(['list', '--bogus']), 2, 'bogus');
    expectError(await s.run(['covenant', '--staged', '--base', 'HEAD']), 2);
    expect((await s.run([])).code).toBe(2);
  });
});

describe.concurrent('memory files', () => {
  it('every record writes one canonical file per memory, tracked by git', async () => {
    const s = fresh();
    await s.ok(['record', 'decision', 'First']);
    await s.ok(['record', 'decision', 'Second', '--tag', 'b', '--tag', 'a']);
    const files = await memoryFiles(s);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const text = s.read(file);
      expect(text.endsWith('}\n')).toBe(true);
      const envelope = JSON.parse(text) as { signed: unknown };
      expect(file).toBe(
        `.remembrancer/memories/${idOf(envelope.signed).slice(0, 2)}/${idOf(envelope.signed)}.json`,
      );
      expect(text).toBe(JSON.stringify(sortKeys(envelope), null, 2) + '\n');
    }
    expect(await s.git(['ls-files', '--error-unmatch', ...files])).toBeTruthy();
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
