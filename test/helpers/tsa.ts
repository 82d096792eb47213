/**
 * A real local Time-Stamp Authority for tests: certificates made by `openssl` in a
 * temporary folder, and an HTTP server on loopback that answers each request with
 * `openssl ts -reply`. Modes let a test make it misbehave.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export async function openssl(args: string[], cwd: string, input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      args,
      { cwd, encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`openssl ${args.join(' ')}: ${stderr.toString()}`));
        else resolve(stdout);
      },
    );
    if (input) child.stdin?.end(input);
  });
}

export interface Authority {
  /** Folder holding ca.crt/ca.key, tsa.crt/tsa.key and the ts config. */
  dir: string;
  caCert: string;
  tsaCert: string;
}

/**
 * Makes a CA and a TSA certificate signed by it. `eku: false` leaves out the critical
 * timeStamping usage (openssl itself refuses to stamp with such a certificate, so tests
 * that need one sign a TSTInfo with `openssl cms`).
 */
export async function makeAuthority(
  name: string,
  options: { ess?: 'sha1' | 'sha256'; eku?: boolean } = {},
): Promise<Authority> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), `tsa-${name}-`)));
  await exec(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-subj',
      `/CN=${name} Root CA`,
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    { cwd: dir },
  );
  await exec(
    'openssl',
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'tsa.key',
      '-out',
      'tsa.csr',
      '-subj',
      `/CN=${name} TSA`,
    ],
    { cwd: dir },
  );
  const ext = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,nonRepudiation'];
  if (options.eku !== false) ext.push('extendedKeyUsage=critical,timeStamping');
  writeFileSync(join(dir, 'tsa.ext'), ext.join('\n') + '\n');
  await exec(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tsa.crt',
      '-days',
      '3650',
      '-extfile',
      'tsa.ext',
    ],
    { cwd: dir },
  );
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'crypto_device = builtin',
      'signer_cert = $dir/tsa.crt',
      'certs = $dir/ca.crt',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      `ess_cert_id_alg = ${options.ess ?? 'sha256'}`,
      '',
    ].join('\n'),
  );
  return { dir, caCert: join(dir, 'ca.crt'), tsaCert: join(dir, 'tsa.crt') };
}

export type TsaMode = 'ok' | 'garbage' | 'http-error' | 'rejection';

/**
 * `openssl ts -reply` reads and rewrites the authority's serial file without a lock, so
 * concurrent replies from one authority could read a half-written serial: one at a time.
 */
const replyQueues = new Map<string, Promise<unknown>>();
function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const next = (replyQueues.get(key) ?? Promise.resolve()).then(work, work);
  replyQueues.set(
    key,
    next.catch(() => undefined),
  );
  return next;
}

export class LocalTsa {
  mode: TsaMode = 'ok';
  requests = 0;
  private server: Server | undefined;
  url = '';

  constructor(readonly authority: Authority) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        void oneAtATime(this.authority.dir, () => this.answer(Buffer.concat(chunks))).then(
          ({ status, body }) => {
            res.writeHead(status, { 'content-type': 'application/timestamp-reply' });
            res.end(body);
          },
          (err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          },
        );
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/tsr`;
    return this.url;
  }

  private async answer(query: Buffer): Promise<{ status: number; body: Buffer }> {
    if (this.mode === 'garbage')
      return { status: 200, body: Buffer.from('this is not DER at all') };
    if (this.mode === 'http-error') return { status: 503, body: Buffer.from('busy') };
    const dir = this.authority.dir;
    const name = `q-${process.pid}-${this.requests}-${Math.random().toString(16).slice(2)}`;
    writeFileSync(join(dir, `${name}.tsq`), query);
    if (this.mode === 'rejection') {
      // A request for a digest the TSA does not accept gets a "rejection" status.
      writeFileSync(
        join(dir, 'reject.cnf'),
        readFileSync(join(dir, 'tsa.cnf'), 'utf8').replace(
          'digests = sha256, sha384, sha512',
          'digests = sha512',
        ),
      );
      await openssl(
        [
          'ts',
          '-reply',
          '-config',
          'reject.cnf',
          '-queryfile',
          `${name}.tsq`,
          '-out',
          `${name}.tsr`,
        ],
        dir,
      );
    } else {
      await openssl(
        ['ts', '-reply', '-config', 'tsa.cnf', '-queryfile', `${name}.tsq`, '-out', `${name}.tsr`],
        dir,
      );
    }
    const body = readFileSync(join(dir, `${name}.tsr`));
    rmSync(join(dir, `${name}.tsq`), { force: true });
    rmSync(join(dir, `${name}.tsr`), { force: true });
    return { status: 200, body };
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

/** `openssl ts -verify` of a token over some data: the independent check. */
export async function opensslVerifyToken(
  token: Buffer,
  data: Buffer,
  authority: Authority,
): Promise<string> {
  const dir = authority.dir;
  const name = `v-${Math.random().toString(16).slice(2)}`;
  writeFileSync(join(dir, `${name}.der`), token);
  writeFileSync(join(dir, `${name}.dat`), data);
  try {
    const out = await openssl(
      [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        `${name}.der`,
        '-data',
        `${name}.dat`,
        '-CAfile',
        'ca.crt',
        '-untrusted',
        'tsa.crt',
      ],
      dir,
    );
    return out.toString();
  } finally {
    rmSync(join(dir, `${name}.der`), { force: true });
    rmSync(join(dir, `${name}.dat`), { force: true });
  }
}

/** Authorities made by a test file, each folder removed by `removeAll` in its afterAll. */
export class AuthorityPool {
  private readonly made: Authority[] = [];

  async make(name: string, options?: Parameters<typeof makeAuthority>[1]): Promise<Authority> {
    const authority = await makeAuthority(name, options);
    this.made.push(authority);
    return authority;
  }

  removeAll(): void {
    for (const a of this.made.splice(0)) rmSync(a.dir, { recursive: true, force: true });
  }
}
