// What finding private keys by their packets costs (src/crypto/secret-keys.ts), measured
// in the same run against what it replaced and against openpgp.js's own parser:
//
// 1. In process, per file: the new detector against main's armour-text check, over 10,000
//    memory files (each holds an armoured signature, a quarter an RFC 3161 token too).
// 2. In process, per block: the hand-written de-armour and packet walk against openpgp.js
//    (unarmor + PacketList.fromBinary, and readSignature / readKey) on the same blocks.
// 3. The pre-commit hook with those 10,000 memories staged, this build beside an older one
//    (default: /tmp/secrets-old, main before this change; build it with `git archive main |
//    tar -x -C /tmp/secrets-old`, a node_modules link and `node scripts/build.mjs`).
//
// Usage: node scripts/run-ts.mjs bench/secret-keys.ts [--old path/to/bin/remembrancer.js]
// A benchmark: it reports, it does not fail. The fixture is built once into
// bench/.work/secret-keys-10k (git-ignored); delete it to build it again.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { serializeEnvelope, toMemory, type Memory } from '../src/memory/envelope.js';
import { mapLimit } from '../src/ground/map-limit.js';
import { buildDecision, type Origin } from '../src/memory/memory-types.js';
import { signMemory } from '../src/record/record.js';
import { requestTimestamp, signatureBytes } from '../src/crypto/rfc3161.js';
import { findSecretKey } from '../src/crypto/secret-keys.js';
import { resolveSigner, type Signer } from '../src/crypto/signer.js';
import { openPgpSecrets } from '../test/helpers/secrets.js';
import { LocalTsa, makeAuthority } from '../test/helpers/tsa.js';
import { envFor, median } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NEW_BIN = join(ROOT, 'bin', 'remembrancer.js');
const args = process.argv.slice(2);
const OLD_BIN = args.includes('--old')
  ? (args[args.indexOf('--old') + 1] as string)
  : '/tmp/secrets-old/bin/remembrancer.js';
const WORK = join(ROOT, 'bench', '.work', 'secret-keys-10k');
const COUNT = 10_000;

const env = envFor(join(WORK, 'home'));

const rem = (bin: string, argv: string[], cwd: string) =>
  execFileSync(process.execPath, [bin, ...argv], { cwd, env, stdio: 'pipe' });

/** 10,000 signed decisions staged (not committed), a quarter of them timestamped. */
async function fixture(): Promise<string> {
  const repo = join(WORK, 'repo');
  if (existsSync(join(WORK, 'ready'))) return repo;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  console.error(`building a fixture of ${COUNT} staged memories (once; kept in ${WORK})`);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
  rem(NEW_BIN, ['init', '--name', 'bench'], repo);
  rem(NEW_BIN, ['key', 'generate', '--name', 'Bench', '--email', 'b@example.com', '--trust'], repo);
  const authority = await makeAuthority('Bench');
  cpSync(authority.caCert, join(WORK, 'tsa-root.pem'));
  rem(NEW_BIN, ['trust', 'add-tsa', join(WORK, 'tsa-root.pem'), '--name', 'bench-tsa'], repo);
  const tsa = new LocalTsa(authority);
  const url = await tsa.start();
  const signer = (await resolveSigner({ env })) as Signer;
  const indexes = Array.from({ length: COUNT }, (_, i) => i);
  const memories = await mapLimit(indexes, 4, async (i): Promise<Memory> => {
    const origin: Origin = {
      node: 'bench',
      author: { name: 'Bench', email: 'b@example.com', key: signer.fingerprint },
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    };
    const text = `Decision ${i}: adopt option ${i % 7} for subsystem ${i % 31}`;
    const memory = await signMemory(buildDecision(origin, text, ['bench']), signer);
    const signature = memory.envelope.signatures[0];
    if (i % 4 !== 0 || !signature) return memory;
    const digest = createHash('sha256')
      .update(await signatureBytes(signature.sig))
      .digest();
    const token = Buffer.from(await requestTimestamp(url, digest, 60_000)).toString('base64');
    return toMemory({
      signed: memory.envelope.signed,
      signatures: [{ ...signature, timestamps: [{ tsa: 'bench-tsa', token }] }],
    });
  });
  await tsa.stop();
  for (const memory of memories) {
    const path = join(repo, '.remembrancer', memory.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, serializeEnvelope(memory.envelope));
  }
  execFileSync('git', ['config', 'gc.auto', '0'], { cwd: repo, env });
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  rem(NEW_BIN, ['hooks', 'install'], repo);
  writeFileSync(join(WORK, 'ready'), new Date().toISOString());
  return repo;
}

function filesUnder(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(readFileSync(p));
  }
  return out;
}

// main's check, as it was in src/crypto/openpgp.ts (containsPrivateKey)
const oldCheck = (bytes: Buffer): boolean => {
  const text = bytes.toString('latin1');
  return (
    /-{5}BEGIN PGP PRIVATE KEY BLOCK-{5}/.test(text) ||
    /-{5}BEGIN [A-Z ]*PRIVATE KEY-{5}/.test(text)
  );
};

/** Best of `rounds` (µs per item): the machine is shared, the minimum is the cost. */
async function perItem<T>(items: T[], fn: (item: T) => unknown, rounds = 15): Promise<number> {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    for (const item of items) await fn(item);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e3 / items.length);
  }
  return best;
}

const repo = await fixture();
const rows: [string, number, number, string, string][] = [];

// --- 1. per file --------------------------------------------------------------------------
const files = filesUnder(join(repo, '.remembrancer'));
const bytes = files.reduce((n, f) => n + f.length, 0);
{
  const old = await perItem(files, oldCheck, 9);
  const now = await perItem(files, (f) => findSecretKey(f), 9);
  rows.push([
    `per file, ${files.length} files (${(bytes / files.length).toFixed(0)} B each)`,
    old,
    now,
    'old check',
    'detector',
  ]);
  console.error(
    `whole .remembrancer/: old check ${((old * files.length) / 1000).toFixed(1)} ms, detector ${((now * files.length) / 1000).toFixed(1)} ms`,
  );
}

// --- 2. per block, against openpgp.js -----------------------------------------------------
{
  // openpgp.js reads this as a plain object of tag → class, whatever its type definition says.
  const allowed = Object.fromEntries(
    [
      openpgp.SignaturePacket,
      openpgp.PublicKeyPacket,
      openpgp.PublicSubkeyPacket,
      openpgp.SecretKeyPacket,
      openpgp.SecretSubkeyPacket,
      openpgp.UserIDPacket,
      openpgp.CompressedDataPacket,
      openpgp.LiteralDataPacket,
      openpgp.OnePassSignaturePacket,
    ].map((C) => [(C as unknown as { tag: number }).tag, C]),
  ) as unknown as Parameters<typeof openpgp.PacketList.fromBinary>[1];
  const secretIn = async (armoured: string) => {
    const { data } = await openpgp.unarmor(armoured);
    const list = await openpgp.PacketList.fromBinary(data as Uint8Array, allowed);
    return list.some(
      (p) => p instanceof openpgp.SecretKeyPacket || p instanceof openpgp.SecretSubkeyPacket,
    );
  };
  const signatures = files
    .map((f) => /"sig": "([^"]+)"/.exec(f.toString('utf8'))?.[1])
    .filter((s): s is string => s !== undefined)
    .slice(0, 2000)
    .map((s) => JSON.parse(`"${s}"`) as string);
  const key = await openPgpSecrets();
  const keys = Array.from({ length: 200 }, () => key.armoured);
  const publics = Array.from({ length: 200 }, () => key.publicArmoured);
  const hand = (t: string) => findSecretKey(Buffer.from(t));
  for (const [name, items] of [
    ["armoured signature (a memory's)", signatures],
    ['armoured public key (a trust anchor)', publics],
    ['armoured secret key', keys],
  ] as const) {
    const theirs = await perItem(items as readonly string[] as string[], secretIn);
    const ours = await perItem(items as readonly string[] as string[], hand);
    rows.push([`${name}: unarmor + PacketList`, theirs, ours, 'openpgp.js', 'detector']);
  }
  const readSig = await perItem(signatures, (s) => openpgp.readSignature({ armoredSignature: s }));
  rows.push([
    'armoured signature: readSignature',
    readSig,
    await perItem(signatures, hand),
    'openpgp.js',
    'detector',
  ]);
  const readKey = await perItem(keys, (k) => openpgp.readKey({ armoredKey: k }));
  rows.push([
    'armoured secret key: readKey',
    readKey,
    await perItem(keys, hand),
    'openpgp.js',
    'detector',
  ]);
}
const load = spawnSync(
  process.execPath,
  [
    '-e',
    "const t=process.hrtime.bigint();import('openpgp').then(()=>console.log(Number(process.hrtime.bigint()-t)/1e6))",
  ],
  { encoding: 'utf8' },
);

// --- 3. the pre-commit hook, old build and new ------------------------------------------------
const copies = { old: join(WORK, 'old'), new: join(WORK, 'new') };
const bins = { old: OLD_BIN, new: NEW_BIN };
const hookTimes = { old: [] as number[], new: [] as number[] };
if (!existsSync(OLD_BIN)) {
  console.error(`no older build at ${OLD_BIN}: the hook is timed with this build only`);
}
const builds = (['old', 'new'] as const).filter((b) => existsSync(bins[b]));
for (const b of builds) {
  rmSync(copies[b], { recursive: true, force: true });
  cpSync(repo, copies[b], { recursive: true });
  const wrapper = join(WORK, `rem-${b}`);
  writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${bins[b]}" "$@"\n`);
  chmodSync(wrapper, 0o755);
}
/**
 * One run of the hook as git runs it: wall time, and CPU time (user + system of every process
 * it starts, from the shell's `times`), which a busy shared machine disturbs far less.
 */
const hook = (b: 'old' | 'new') => {
  const start = process.hrtime.bigint();
  const r = spawnSync(
    'sh',
    ['-c', 'sh .git/hooks/pre-commit >/dev/null 2>&1 || echo FAILED; times'],
    {
      cwd: copies[b],
      env: { ...env, REMEMBRANCER_BIN: join(WORK, `rem-${b}`) },
      encoding: 'utf8',
    },
  );
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.stdout.includes('FAILED')) throw new Error(`the ${b} hook refused the commit`);
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(r.stdout.trim());
  if (!m) throw new Error(`no times output: ${r.stdout}`);
  const cpu = (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
  return { wall, cpu };
};
const cpuTimes = { old: [] as number[], new: [] as number[] };
for (const b of builds) hook(b); // the verification cache, filled once per copy
// Interleaved, so that a busy moment weighs on both alike.
for (let i = 0; i < 7; i++) {
  for (const b of builds) {
    const t = hook(b);
    hookTimes[b].push(t.wall);
    cpuTimes[b].push(t.cpu);
  }
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`${'in process, µs per item (best of rounds)'.padEnd(width)}   before    after  ratio`);
for (const [name, before, after, a, b] of rows) {
  console.log(
    `${name.padEnd(width)} ${before.toFixed(2).padStart(8)} ${after.toFixed(2).padStart(8)}  ${(after / before).toFixed(2).padStart(5)}   (${a} → ${b})`,
  );
}
console.log(`importing openpgp.js: ${Number(load.stdout).toFixed(0)} ms`);
for (const [what, times] of [
  ['wall', hookTimes],
  ['CPU', cpuTimes],
] as const) {
  const line = builds.map((b) => `${b} ${median(times[b]).toFixed(0)}`).join(', ');
  const ratio =
    builds.length === 2 ? `, new/old ${(median(times.new) / median(times.old)).toFixed(2)}` : '';
  console.log(
    `pre-commit hook, ${files.length} files staged under .remembrancer/, ${what} time (median of 7, ms): ${line}${ratio}`,
  );
}
