/**
 * The real GnuPG in a temporary GNUPGHOME, for interoperability tests. The home lives
 * directly under os.tmpdir() with a short name: gpg-agent's socket path must stay under
 * ~100 characters. Call close() when done: it stops the agent and deletes the home.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GPG = 'gpg';

/** True when a usable gpg is on PATH. */
export function hasGpg(): boolean {
  const result = spawnSync(GPG, ['--version'], { stdio: 'ignore' });
  return result.status === 0;
}

export interface GpgResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** One `[GNUPG:] KEYWORD args…` line of --status-fd output, split on spaces. */
export function statusLines(stdout: string, keyword: string): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter((f) => f[0] === '[GNUPG:]' && f[1] === keyword)
    .map((f) => f.slice(2));
}

/**
 * A minimal RFC 8785 canonicaliser, independent of src/ground/canonical-json.ts, good for the
 * values a memory holds (strings, safe integers, booleans, null, arrays, plain objects).
 */
export function minimalJcs(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`minimalJcs: ${value} is not a safe integer`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(minimalJcs).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // Array.prototype.sort without a comparator orders by UTF-16 code units, as JCS asks.
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${minimalJcs(record[k])}`).join(',')}}`;
  }
  throw new Error(`minimalJcs: ${typeof value} has no JSON form`);
}

export class GpgHome {
  /** The GNUPGHOME folder. */
  readonly dir: string;
  private readonly scratch: string;
  private files = 0;

  constructor() {
    this.dir = realpathSync(mkdtempSync(join(tmpdir(), 'g-')));
    chmodSync(this.dir, 0o700);
    // Never ask anyone for a passphrase: a key the agent cannot unlock fails at once
    // instead of opening a pinentry on the terminal that runs the tests.
    writeFileSync(join(this.dir, 'gpg-agent.conf'), 'pinentry-program /bin/false\n');
    this.scratch = realpathSync(mkdtempSync(join(tmpdir(), 'gs-')));
  }

  /** What a process needs in its environment to use this keyring. */
  get env(): NodeJS.ProcessEnv {
    return { GNUPGHOME: this.dir };
  }

  private processEnv(): NodeJS.ProcessEnv {
    return {
      PATH: process.env['PATH'],
      HOME: this.scratch,
      GNUPGHOME: this.dir,
      // UTF-8, so that user ids given on the command line are taken as UTF-8.
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
    };
  }

  /** Runs gpg (or gpgconf with `program`); never throws on a non-zero exit. */
  run(args: string[], input?: string | Uint8Array, program = GPG): Promise<GpgResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, {
        env: this.processEnv(),
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', reject);
      child.on('close', (code) =>
        resolve({
          code: code ?? -1,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }

  /** Runs gpg in batch mode and fails unless it exits 0. */
  async ok(args: string[], input?: string | Uint8Array): Promise<GpgResult> {
    const result = await this.run(['--batch', ...args], input);
    if (result.code !== 0) {
      throw new Error(
        `gpg ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
      );
    }
    return result;
  }

  /**
   * `gpg --quick-gen-key`: by default an unprotected Ed25519 signing key (v4, legacy EdDSA)
   * that never expires; returns its fingerprint. A passphrase-protected key can only be
   * unlocked with loopback pinentry: the agent of this home has no pinentry.
   */
  async generateKey(
    userId: string,
    options: {
      passphrase?: string;
      algo?: string;
      usage?: string;
      expire?: string;
      /** gpg --faked-system-time, e.g. 20200101T000000. */
      at?: string;
    } = {},
  ): Promise<string> {
    const result = await this.ok([
      ...(options.at ? ['--faked-system-time', options.at] : []),
      '--status-fd',
      '1',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      options.passphrase ?? '',
      '--quick-gen-key',
      userId,
      options.algo ?? 'ed25519',
      options.usage ?? 'sign',
      options.expire ?? 'never',
    ]);
    const created = statusLines(result.stdout, 'KEY_CREATED')[0];
    if (!created?.[1]) throw new Error(`gpg did not report the new key\n${result.stdout}`);
    return created[1].toUpperCase();
  }

  /** `gpg --quick-add-key`: adds a subkey (Ed25519 signing by default); returns its fingerprint. */
  async addSubkey(fingerprint: string, algo = 'ed25519', usage = 'sign'): Promise<string> {
    const result = await this.ok([
      '--status-fd',
      '1',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      '',
      '--quick-add-key',
      fingerprint,
      algo,
      usage,
      'never',
    ]);
    const created = statusLines(result.stdout, 'KEY_CREATED')[0];
    if (!created?.[1]) throw new Error(`gpg did not report the new subkey\n${result.stdout}`);
    return created[1].toUpperCase();
  }

  /** `gpg --armor --export KEY`. */
  async exportPublic(key: string): Promise<string> {
    const { stdout } = await this.ok(['--armor', '--export', key]);
    if (!stdout.includes('BEGIN PGP PUBLIC KEY BLOCK')) throw new Error(`nothing exported: ${key}`);
    return stdout;
  }

  /** `gpg --import FILE`. */
  import(file: string): Promise<GpgResult> {
    return this.run(['--batch', '--status-fd', '1', '--import', file]);
  }

  /** `gpg --detach-sign --armor` over `data` with `localUser`; the armour as gpg wrote it. */
  async detachSign(localUser: string, data: Uint8Array, extra: string[] = []): Promise<string> {
    const { stdout } = await this.ok(
      ['--yes', '--armor', ...extra, '--local-user', localUser, '--detach-sign', '--output', '-'],
      data,
    );
    return stdout;
  }

  /** `gpg --verify sig.asc data`, with the two written to files first. */
  async verify(armoredSignature: string, data: Uint8Array): Promise<GpgResult> {
    const n = ++this.files;
    const sigFile = join(this.scratch, `sig-${n}.asc`);
    const dataFile = join(this.scratch, `data-${n}`);
    writeFileSync(sigFile, armoredSignature);
    writeFileSync(dataFile, data);
    return this.run(['--batch', '--status-fd', '1', '--verify', sigFile, dataFile]);
  }

  /** Stops this home's gpg-agent and deletes the home. */
  async close(): Promise<void> {
    await this.run(['--kill', 'gpg-agent'], undefined, 'gpgconf').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
