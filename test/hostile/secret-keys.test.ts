/**
 * Private keys under .remembrancer/, however they are written, by whoever brings them: a
 * commit (staged, in a range, pushed, in a pull request), a command's input, a peer. A key
 * is found by what its bytes are (src/crypto/secret-keys.ts), never by its armour label, and
 * a key that a later commit removed still fails the range that holds it. And `key generate`
 * never writes a private key where git would commit it, through links or from outside.
 * Every key is made at test time.
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { annotations, pullRequestPayload, runAction } from '../helpers/action.js';
import { head, Sandbox, sandboxTracker, type RunResult } from '../helpers/cli.js';
import { signedEnvelope, writeMemory } from '../helpers/craft.js';
import { noCrash, syncRejecting } from '../helpers/hostile.js';
import { commitAll, makeNode, peer } from '../helpers/nodes.js';
import {
  armour,
  base64Wrapped,
  LABEL,
  openPgpSecrets,
  systemSecrets,
  type OpenPgpSecrets,
  type Samples,
} from '../helpers/secrets.js';

const track = sandboxTracker();
let template: Sandbox;
let key: OpenPgpSecrets;
let system: Samples;

beforeAll(async () => {
  template = track(new Sandbox());
  await template.initSigned();
  await template.ok(['record', 'decision', 'Adopt Postgres 16']);
  await template.ok(['hooks', 'install']);
  key = await openPgpSecrets();
  system = systemSecrets(template.dir).secret;
});

/** Everything a user could notice about the repository. */
async function state(s: Sandbox) {
  return {
    head: await head(s),
    status: await s.git(['status', '--porcelain', '--untracked-files=all']),
    index: await s.git(['ls-files', '-s']),
  };
}

async function covenantJson(s: Sandbox, args: string[]) {
  const r = await s.run(['covenant', ...args, '--json']);
  noCrash(r);
  return { code: r.code, report: JSON.parse(r.stdout) as CovenantReport };
}

/** git, with its exit code and output instead of a throw. */
async function gitRun(s: Sandbox, args: string[]): Promise<{ code: number; out: string }> {
  try {
    return { code: 0, out: await s.git(args) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout}${e.stderr}` };
  }
}

/** The one `error:` line of a refused command, which names what it is given to name. */
function oneError(r: RunResult, exit: number, ...mentions: string[]): string {
  noCrash(r);
  expect(r.code, r.stdout + r.stderr).toBe(exit);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
  expect(errors, r.stderr).toHaveLength(1);
  const line = errors[0] as string;
  expect(line).toMatch(/\(fix: .+\)$/);
  for (const m of mentions) expect(line).toContain(m);
  return line;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2) + '\n');

describe('a private key staged under .remembrancer/', () => {
  // [what, where, bytes, how the message describes it]
  const cases: [string, string, () => Buffer, string][] = [
    [
      'a secret key armoured as a PUBLIC KEY BLOCK, as a trust anchor',
      '',
      () => Buffer.from(armour(LABEL.public, key.binary)),
      'an OpenPGP secret key (in an armour block labelled "PGP PUBLIC KEY BLOCK")',
    ],
    [
      'a binary secret key',
      '.remembrancer/backup/signer.gpg',
      () => key.binary,
      'an OpenPGP secret key',
    ],
    [
      'a secret subkey only, beside its public primary key',
      '.remembrancer/backup/subkey.gpg',
      () => key.subkeyOnly,
      'an OpenPGP secret subkey',
    ],
    [
      'a key in a JSON string, armoured as a MESSAGE',
      '.remembrancer/notes.json',
      () => json({ note: `for safekeeping:\n${armour(LABEL.message, key.binary)}` }),
      'an OpenPGP secret key (in an armour block labelled "PGP MESSAGE")',
    ],
    [
      'a base64 key',
      '.remembrancer/notes.txt',
      () => Buffer.from(base64Wrapped(key.binary)),
      'an OpenPGP secret key (base64)',
    ],
    [
      'an OpenSSH key',
      '.remembrancer/deploy_key',
      () => system['an OpenSSH private key'] as Buffer,
      'an OpenSSH private key (in an armour block labelled "OPENSSH PRIVATE KEY")',
    ],
    [
      'an OpenSSH key in its binary form',
      '.remembrancer/deploy_key.bin',
      () => system['an OpenSSH private key, binary'] as Buffer,
      'an OpenSSH private key',
    ],
    [
      'a PEM key',
      '.remembrancer/tls/server.pem',
      () => system['a PEM PKCS#8 private key'] as Buffer,
      'a PEM private key (in an armour block labelled "PRIVATE KEY")',
    ],
    [
      'a DER key',
      '.remembrancer/tls/server.der',
      () => system['a DER PKCS#8 private key'] as Buffer,
      'a PKCS#8 private key',
    ],
  ];

  it.each(cases)(
    '%s: covenant --staged and the pre-commit hook refuse it',
    async (_, where, bytes, what) => {
      const s = track(template.fork());
      const path = where || `.remembrancer/trust/keys/${key.fingerprint}.asc`;
      s.write(path, bytes());
      await s.git(['add', path]);
      const before = await state(s);

      const { code, report } = await covenantJson(s, ['--staged']);
      expect(code).toBe(1);
      expect(report.violations).toEqual([
        {
          rule: 'integrity',
          code: 'PRIVATE_KEY_IN_REPOSITORY',
          file: path,
          message: `holds a private key: ${what}`,
          fix: expect.stringContaining(`git rm --cached -- ${path}`),
        },
      ]);
      expect(report.violations[0]?.fix).toContain('compromised');

      const commit = await gitRun(s, ['commit', '-q', '-m', 'keep the key here']);
      expect(commit.code).not.toBe(0);
      expect(commit.out).toContain(`${path}: holds a private key: ${what}`);
      expect(commit.out).toContain('commit refused');
      expect(await state(s)).toEqual(before);
    },
  );

  it('public keys, signatures and random bytes pass, staged and committed', async () => {
    const s = track(template.fork());
    s.write('.remembrancer/backup/public.asc', key.publicArmoured);
    s.write('.remembrancer/backup/public.gpg', key.publicBinary);
    s.write('.remembrancer/backup/release.sig', key.signatureBinary);
    s.write('.remembrancer/backup/notes.json', json({ sig: key.signatureArmoured }));
    s.write(
      '.remembrancer/backup/noise.bin',
      Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)),
    );
    await s.git(['add', '.remembrancer/backup']);
    const { code, report } = await covenantJson(s, ['--staged']);
    expect(report.violations).toEqual([]);
    expect(code).toBe(0);
    expect((await gitRun(s, ['commit', '-q', '-m', 'public material'])).code).toBe(0);
  });

  it('a file too large to be checked is refused as such, not passed', async () => {
    const s = track(template.fork());
    const path = '.remembrancer/backup/disk.img';
    s.write(path, Buffer.alloc(16 * 1024 * 1024 + 1, 0x41));
    await s.git(['add', path]);
    const before = await state(s);
    const { code, report } = await covenantJson(s, ['--staged']);
    expect(code).toBe(1);
    expect(report.violations).toEqual([
      {
        rule: 'integrity',
        code: 'FILE_TOO_LARGE',
        file: path,
        message: 'over 16 MiB, too large to be checked for private keys',
        fix: expect.stringContaining('remove it'),
      },
    ]);
    expect(await state(s)).toEqual(before);
  });

  it('record refuses to write a key it is given into a memory, and writes nothing', async () => {
    const s = track(template.fork());
    const before = await state(s);
    const r = await s.run(['record', 'decision', `Our key: ${armour(LABEL.public, key.binary)}`]);
    oneError(
      r,
      2,
      'refusing to write a private key into the repository: an OpenPGP secret key (in an armour block labelled "PGP PUBLIC KEY BLOCK")',
      '.remembrancer/memories/',
    );
    expect(await state(s)).toEqual(before);
  });

  it('trust add refuses a secret key armoured as a public one', async () => {
    const s = track(template.fork());
    const file = join(s.dir, 'looks-public.asc');
    s.write('../looks-public.asc', armour(LABEL.public, key.binary));
    const before = await state(s);
    oneError(
      await s.run(['trust', 'add', file]),
      2,
      file,
      'this holds an OpenPGP secret key (in an armour block labelled "PGP PUBLIC KEY BLOCK"), not a public key',
    );
    expect(await state(s)).toEqual(before);
  });
});

describe('a private key added in one commit and removed in the next', () => {
  const leak = '.remembrancer/backup/signer.asc';

  /** A fork whose branch `feature` adds a key and then removes it; main stays as it was. */
  async function leakyBranch() {
    const s = track(template.fork());
    const base = await head(s);
    await s.git(['checkout', '-q', '-b', 'feature']);
    s.write(leak, armour(LABEL.public, key.binary));
    await s.git(['add', leak]);
    await s.git(['commit', '-q', '--no-verify', '-m', 'back up the signing key']);
    const added = await head(s);
    await s.git(['rm', '-q', leak]);
    await s.git(['commit', '-q', '--no-verify', '-m', 'oops, remove it again']);
    return { s, base, added, tip: await head(s) };
  }

  const inCommit = (added: string) =>
    `commit ${added.slice(0, 7)} added a private key here: an OpenPGP secret key (in an armour block labelled "PGP PUBLIC KEY BLOCK")`;

  it('fails covenant --base --head, naming the file and the commit', async () => {
    const { s, added } = await leakyBranch();
    const before = await state(s);
    const { code, report } = await covenantJson(s, ['--base', 'main', '--head', 'feature']);
    expect(code).toBe(1);
    expect(report.violations).toEqual([
      {
        rule: 'integrity',
        code: 'PRIVATE_KEY_IN_REPOSITORY',
        file: leak,
        message: expect.stringContaining(inCommit(added)),
        fix: expect.stringContaining(`git rebase -i ${added.slice(0, 7)}^`),
      },
    ]);
    expect(report.violations[0]?.fix).toContain('compromised');
    // The tip alone holds no key: the working tree passes.
    expect((await covenantJson(s, [])).code).toBe(0);
    expect(await state(s)).toEqual(before);
  });

  it('the pre-push hook refuses it, to a branch the remote has and to a new one', async () => {
    const { s, added } = await leakyBranch();
    const origin = join(s.dir, 'origin.git');
    await s.git(['init', '-q', '--bare', '-b', 'main', origin]);
    await s.git(['remote', 'add', 'origin', origin]);
    expect((await gitRun(s, ['push', '-q', 'origin', 'main'])).code).toBe(0);
    const remoteMain = (await s.git(['rev-parse', 'main'], origin)).trim();

    const newBranch = await gitRun(s, ['push', 'origin', 'feature']);
    expect(newBranch.code).not.toBe(0);
    expect(newBranch.out).toContain(`${leak}: ${inCommit(added)}`);
    expect(newBranch.out).toContain('push of refs/heads/feature refused');

    await s.git(['checkout', '-q', 'main']);
    await s.git(['merge', '-q', '--ff-only', 'feature']);
    const existing = await gitRun(s, ['push', 'origin', 'main']);
    expect(existing.code).not.toBe(0);
    expect(existing.out).toContain(`${leak}: ${inCommit(added)}`);
    expect((await s.git(['rev-parse', 'main'], origin)).trim()).toBe(remoteMain);
    expect(await s.git(['for-each-ref', '--format=%(refname)'], origin)).toBe('refs/heads/main\n');
  });

  it('the pre-push hook refuses a whole new history pushed to an empty remote', async () => {
    const { s, added } = await leakyBranch();
    const empty = join(s.dir, 'empty.git');
    await s.git(['init', '-q', '--bare', '-b', 'main', empty]);
    const pushed = await gitRun(s, ['push', empty, 'feature']);
    expect(pushed.code).not.toBe(0);
    expect(pushed.out).toContain(`${leak}: ${inCommit(added)}`);
    expect(await s.git(['for-each-ref'], empty)).toBe('');
  });

  it('the Action fails the pull request, annotating the file with the commit', async () => {
    const { s, base, added, tip } = await leakyBranch();
    await s.git(['checkout', '-q', '--detach', 'main']);
    const run = await runAction(s, 'pull_request', pullRequestPayload(base, tip));
    expect(run.code, run.stdout + run.stderr).toBe(1);
    const errors = annotations(run.stdout);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`file=${leak}`);
    expect(errors[0]).toContain('title=integrity%3A PRIVATE_KEY_IN_REPOSITORY');
    expect(errors[0]).toContain(inCommit(added));
    expect(run.outputs['violations']).toBe('1');
  });
});

describe('a peer that commits a private key into a memory', () => {
  it('has that memory rejected with the reason, and nothing of it is written here', async () => {
    const [ours, theirs] = await Promise.all([makeNode('ours'), makeNode('theirs')]);
    await peer(ours, theirs);
    const text = `The release key, for the record:\n${armour(LABEL.public, key.binary)}`;
    const { file } = writeMemory(
      theirs.s,
      await signedEnvelope(
        text,
        { ...theirs.key, name: 'theirs signer', email: 'theirs@example.com' },
        { node: 'theirs' },
      ),
    );
    await commitAll(theirs, 'a memory that holds a key');
    const before = await state(ours.s);

    const out = await syncRejecting(ours, 'theirs');
    expect(out.accepted).toEqual([]);
    expect(out.rejected).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f]{64}$/),
        path: file.replace('.remembrancer/', ''),
        reason: expect.stringMatching(
          /^holds a private key: an OpenPGP secret key \(in an armour block labelled "PGP PUBLIC KEY BLOCK"\); not taken, and the key is compromised/,
        ),
      },
    ]);
    expect(ours.s.exists(file)).toBe(false);
    expect(await state(ours.s)).toEqual(before);
  });
});

describe('key generate --out', () => {
  const generate = (s: Sandbox, out: string, cwd?: string) =>
    s.run(
      ['key', 'generate', '--name', 'CI', '--email', 'ci@example.com', '--out', out, '--json'],
      cwd ? { cwd } : {},
    );

  it('refuses a path that leads into the working tree through a symbolic link', async () => {
    const s = track(template.fork());
    symlinkSync(join(s.repo, '.remembrancer'), join(s.dir, 'keys'));
    const out = join(s.dir, 'keys', 'ci.key.asc');
    const before = await state(s);
    oneError(
      await generate(s, out, s.dir),
      2,
      out,
      `refusing to write a private key inside the repository ${s.repo}, where git does not ignore it: ${s.repo}/.remembrancer/ci.key.asc`,
    );
    expect(existsSync(join(s.repo, '.remembrancer', 'ci.key.asc'))).toBe(false);
    expect(await state(s)).toEqual(before);
  });

  it('refuses a path that is itself a symbolic link, and creates nothing where it points', async () => {
    const s = track(template.fork());
    const out = join(s.dir, 'ci.key.asc');
    symlinkSync(join(s.repo, '.remembrancer', 'ci.key.asc'), out);
    const before = await state(s);
    oneError(await generate(s, out, s.dir), 2, out, 'through a symbolic link');
    expect(lstatSync(out).isSymbolicLink()).toBe(true);
    expect(existsSync(join(s.repo, '.remembrancer', 'ci.key.asc'))).toBe(false);
    expect(await state(s)).toEqual(before);
  });

  it("refuses another repository's working tree, from outside any repository", async () => {
    const s = track(template.fork());
    const other = join(s.dir, 'other');
    mkdirSync(other);
    await s.gitInit(other);
    const out = join(other, 'keys', 'ci.key.asc');
    oneError(
      await generate(s, out, s.dir),
      2,
      `refusing to write a private key inside the repository ${other}, where git does not ignore it`,
    );
    expect(existsSync(join(other, 'keys'))).toBe(false);
    expect(await s.git(['status', '--porcelain', '--untracked-files=all'], other)).toBe('');
  });

  it('writes a path git ignores inside the working tree, and reports its real path', async () => {
    const s = track(template.fork());
    s.write('.gitignore', 'secrets/\n');
    await s.git(['add', '.gitignore']);
    await s.git(['commit', '-q', '--no-verify', '-m', 'ignore secrets/']);
    // Given through a link to the repository, relative to where the command runs.
    symlinkSync(s.repo, join(s.dir, 'work'));
    const before = await state(s);
    const r = await generate(s, 'work/secrets/ci.key.asc', s.dir);
    expect(r.code, r.stderr).toBe(0);
    const made = JSON.parse(r.stdout) as { privateKey: string; publicKey: string };
    expect(made.privateKey).toBe(join(s.repo, 'secrets', 'ci.key.asc'));
    expect(made.publicKey).toBe(join(s.repo, 'secrets', 'ci.pub.asc'));
    expect(statSync(made.privateKey).mode & 0o777).toBe(0o600);
    expect(readFileSync(made.privateKey, 'utf8')).toContain('PRIVATE KEY BLOCK');
    // Git ignores it: nothing changes that git would commit, and the covenant holds.
    expect(await state(s)).toEqual(before);
    expect((await covenantJson(s, [])).code).toBe(0);
  });
});
