// What the crash journal costs: `record decision` and a `federation sync` that takes 5,000
// new memories, this build side by side with an older one (default: the build in
// /tmp/journal-old, made from the commit before writes kept a journal), runs alternated so
// that the machine's noise falls on both. A benchmark: it reports, it does not fail.
//
// Usage: node scripts/run-ts.mjs bench/crash-journal.ts [--old path/to/bin/remembrancer.js]
// The peer fixture (5,000 signed memories, one commit) is built once into
// bench/.work/crash-journal-peer (git-ignored); delete it to build it again.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeEnvelope } from '../src/memory/envelope.js';
import { buildDecision } from '../src/memory/memory-types.js';
import { signMemory } from '../src/record/record.js';
import { resolveSigner, type Signer } from '../src/crypto/signer.js';
import { envFor, median, timeCli as time } from './measure.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NEW_BIN = join(ROOT, 'bin', 'remembrancer.js');
const args = process.argv.slice(2);
const OLD_BIN = args.includes('--old')
  ? (args[args.indexOf('--old') + 1] as string)
  : '/tmp/journal-old/bin/remembrancer.js';
const PEER = join(ROOT, 'bench', '.work', 'crash-journal-peer');
const COUNT = 5_000;
const RECORDS = 15;
const SYNCS = 3;

/** A repository with a trusted key, its HOME beside it. */
function newRepo(base: string, name: string): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = join(base, name);
  const env = envFor(join(base, `${name}-home`));
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  time(NEW_BIN, ['init', '--name', name], dir, env);
  time(
    NEW_BIN,
    ['key', 'generate', '--name', 'Bench', '--email', 'bench@example.com', '--trust'],
    dir,
    env,
  );
  return { dir, env };
}

async function peerFixture(): Promise<{ dir: string; key: string }> {
  const dir = join(PEER, 'peer');
  const key = join(PEER, 'peer.pub.asc');
  if (existsSync(join(PEER, 'ready'))) return { dir, key };
  rmSync(PEER, { recursive: true, force: true });
  console.error(`building a peer of ${COUNT} signed memories (once; kept in ${PEER})`);
  const peer = newRepo(PEER, 'peer');
  const signer = (await resolveSigner({ env: peer.env })) as Signer;
  writeFileSync(key, await signer.publicKey());
  for (let i = 0; i < COUNT; i++) {
    const signed = buildDecision(
      {
        node: 'peer',
        author: { name: 'Bench', email: 'bench@example.com', key: signer.fingerprint },
        created: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
      },
      `Decision ${i}: adopt option ${i % 7} for subsystem ${i % 31}`,
      ['bench'],
    );
    const memory = await signMemory(signed, signer);
    const path = join(dir, '.remembrancer', memory.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, serializeEnvelope(memory.envelope));
  }
  execFileSync('git', ['add', '-A'], { cwd: dir, env: peer.env });
  execFileSync('git', ['commit', '-qm', `bench: ${COUNT} memories`], { cwd: dir, env: peer.env });
  writeFileSync(join(PEER, 'ready'), new Date().toISOString());
  return { dir, key };
}

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'remembrancer-journal-bench-')));
const builds = { old: OLD_BIN, new: NEW_BIN } as const;
const record: Record<keyof typeof builds, number[]> = { old: [], new: [] };
const sync: Record<keyof typeof builds, number[]> = { old: [], new: [] };

const recording = newRepo(scratch, 'records');
for (let i = 0; i < RECORDS; i++) {
  for (const which of i % 2 ? (['new', 'old'] as const) : (['old', 'new'] as const)) {
    record[which].push(
      time(
        builds[which],
        ['record', 'decision', `Decision ${which} ${i}`],
        recording.dir,
        recording.env,
      ),
    );
  }
}

const peer = await peerFixture();
for (let i = 0; i < SYNCS; i++) {
  for (const which of i % 2 ? (['new', 'old'] as const) : (['old', 'new'] as const)) {
    const ours = newRepo(join(scratch, `sync-${which}-${i}`), 'ours');
    time(NEW_BIN, ['federation', 'add', 'peer', peer.dir, '--key', peer.key], ours.dir, ours.env);
    sync[which].push(time(builds[which], ['federation', 'sync', 'peer'], ours.dir, ours.env));
  }
}

const rows = [
  ['record decision (one commit)', median(record.old), median(record.new)],
  [
    `federation sync of ${COUNT.toLocaleString('en')} new memories`,
    median(sync.old),
    median(sync.new),
  ],
] as const;
console.log('| measured | before the journal | with the journal | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, before, after] of rows) {
  console.log(
    `| ${name} | ${before.toFixed(0)} ms | ${after.toFixed(0)} ms | ${(after / before).toFixed(2)} |`,
  );
}
rmSync(scratch, { recursive: true, force: true });
