/**
 * `doctor` against real set-ups: a healthy one, and each gap it must name with a fix —
 * no key, no trust, a broken covenant, a TSA that answers with an untrusted token or not at
 * all, peers that answer and one that does not, hooks missing, no repository at all.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/operations/doctor.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { readEnvelope, rewriteEnvelope } from '../helpers/craft.js';
import { AuthorityPool, LocalTsa, type Authority } from '../helpers/tsa.js';

const track = sandboxTracker();
const authorities = new AuthorityPool();
let authority: Authority;
let tsa: LocalTsa;
let template: Sandbox;
let firstMemory: string;

beforeAll(async () => {
  template = track(new Sandbox());
  await template.initSigned();
  firstMemory = (await template.json<{ path: string }>(['record', 'decision', 'Adopt Postgres 16']))
    .path;
  await template.ok(['hooks', 'install']);
  authority = await authorities.make('Doctor');
  tsa = new LocalTsa(authority);
  await tsa.start();
});

afterAll(async () => {
  authorities.removeAll();
  await tsa.stop();
});

async function doctor(
  s: Sandbox,
  env: NodeJS.ProcessEnv = {},
  cwd?: string,
): Promise<DoctorReport & { code: number; byName: Map<string, DoctorReport['checks'][number]> }> {
  const result = await s.run(['doctor', '--json'], { env, ...(cwd ? { cwd } : {}) });
  const report = JSON.parse(result.stdout) as DoctorReport;
  return { ...report, code: result.code, byName: new Map(report.checks.map((c) => [c.name, c])) };
}

describe('doctor', () => {
  it('says ready on a healthy set-up, and shows each check in words', async () => {
    const s = track(template.fork());
    const report = await doctor(s);
    expect(report.code).toBe(0);
    expect(report.ok).toBe(true);
    for (const name of [
      'git',
      'gpg',
      'repository',
      'signing key',
      'trust anchors',
      'TSA',
      'hooks',
      'peers',
      'covenant',
    ]) {
      expect(report.byName.get(name)?.state, name).toBe('ok');
    }
    expect(report.byName.get('signing key')?.detail).toContain('this repository trusts it');
    const text = await s.run(['doctor']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/✓ git +git \d+\.\d+/);
    expect(text.stdout).toContain('ready');
  });

  it('fails without a signing key or trust anchors under the strict policy, with fixes', async () => {
    const s = track(new Sandbox());
    await s.gitInit();
    await s.ok(['init']);
    const report = await doctor(s);
    expect(report.code).toBe(1);
    expect(report.byName.get('signing key')).toMatchObject({ state: 'fail' });
    expect(report.byName.get('signing key')?.fix).toContain('key generate');
    expect(report.byName.get('trust anchors')).toMatchObject({ state: 'fail' });
    expect(report.byName.get('hooks')).toMatchObject({ state: 'warn' });
    expect(report.byName.get('hooks')?.fix).toContain('hooks install');
  });

  it('fails when the key is set but unusable, and when the covenant is broken', async () => {
    const s = track(template.fork());
    const missing = await doctor(s, { REMEMBRANCER_KEY: join(s.dir, 'nope.key.asc') });
    expect(missing.code).toBe(1);
    expect(missing.byName.get('signing key')?.detail).toContain('cannot be used');

    const envelope = readEnvelope(s, firstMemory);
    (envelope.signed.body as { text: string }).text = 'Adopt MySQL 8';
    rewriteEnvelope(s, firstMemory, envelope);
    const broken = await doctor(s);
    expect(broken.code).toBe(1);
    expect(broken.byName.get('covenant')?.state).toBe('fail');
    expect(broken.byName.get('covenant')?.detail).toContain(firstMemory);
  });

  it('checks each TSA: untrusted token fails, trusted passes, unreachable warns', async () => {
    const s = track(template.fork());
    const untrusted = await doctor(s, { REMEMBRANCER_TSA_URL: tsa.url });
    expect(untrusted.code).toBe(1);
    const name = [...untrusted.byName.keys()].find((n) => n.startsWith('TSA '));
    expect(untrusted.byName.get(name as string)?.detail).toContain('not trusted here');
    expect(untrusted.byName.get(name as string)?.fix).toContain('trust add-tsa');

    await s.ok(['trust', 'add-tsa', authority.caCert, '--name', 'doctor-tsa']);
    const trusted = await doctor(s, { REMEMBRANCER_TSA_URL: tsa.url });
    expect(trusted.code).toBe(0);
    expect(trusted.byName.get(name as string)?.state).toBe('ok');

    const down = await doctor(s, { REMEMBRANCER_TSA_URL: 'http://127.0.0.1:9/tsr' });
    expect(down.code).toBe(0);
    const downName = [...down.byName.keys()].find((n) => n.startsWith('TSA '));
    expect(down.byName.get(downName as string)?.state).toBe('warn');
  });

  it('checks each peer through the transport its sync uses', async () => {
    const s = track(template.fork());
    const peerRepo = join(s.dir, 'peer.git');
    await s.git(['init', '-q', '--bare', '-b', 'main', peerRepo]);
    await s.git(['push', '-q', peerRepo, 'main']);
    s.write(
      '.remembrancer/peers.json',
      JSON.stringify({
        schema: 1,
        peers: [
          { name: 'billing', url: peerRepo, ref: 'refs/heads/main', tier: 'core', keys: [] },
          {
            name: 'gone',
            url: join(s.dir, 'gone.git'),
            ref: 'refs/heads/main',
            tier: 'external',
            keys: [],
          },
        ],
      }),
    );
    const report = await doctor(s);
    expect(report.byName.get('peer billing')?.state).toBe('ok');
    expect(report.byName.get('peer gone')?.state).toBe('warn');
    // The line its sync would end with.
    expect(report.byName.get('peer gone')?.detail).toBe(
      `cannot fetch peer "gone" at ${join(s.dir, 'gone.git')}: ${join(s.dir, 'gone.git')} does not exist`,
    );
    expect(report.code).toBe(0);
  });

  it('fails outside a git repository', async () => {
    const s = track(new Sandbox());
    const report = await doctor(s);
    expect(report.code).toBe(1);
    expect(report.byName.get('repository')?.state).toBe('fail');
  });
});
