// What keeping the search index honest costs: `query` and `timeline` at 10,000 memories,
// this build side by side with an older one (default: the build in /tmp/index-old, made
// from the commit before the index kept file stamps), and in process with and without the
// look at each shown row's file. A benchmark: it reports, it does not fail.
//
// Usage: node scripts/run-ts.mjs bench/index-freshness.ts [--old path/to/bin/remembrancer.js]
// The fixture (10,000 unsigned memories under the permissive policy, one commit) is built
// once into bench/.work/index-freshness-10k (git-ignored); delete it to build it again.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serializeEnvelope } from '../src/memory/envelope.js';
import { buildDecision, buildDeploy, type Origin } from '../src/memory/memory-types.js';
import { signMemory } from '../src/record/record.js';
import { findRepository } from '../src/ground/repository.js';
import { DiskCheck, openSearchIndex, searchIndex } from '../src/search/index.js';
import { envFor, median, timeCli } from './measure.js';

const time = (bin: string, argv: string[], cwd: string) => timeCli(bin, argv, cwd, env);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NEW_BIN = join(ROOT, 'bin', 'remembrancer.js');
const args = process.argv.slice(2);
const OLD_BIN = args.includes('--old')
  ? (args[args.indexOf('--old') + 1] as string)
  : '/tmp/index-old/bin/remembrancer.js';
const WORK = join(ROOT, 'bench', '.work', 'index-freshness-10k');
const COUNT = 10_000;
const REPEAT = 5;
/** As bench/run.ts: words in a few memories, and words in a third to two thirds of them. */
const QUERIES = [
  'Decision 4242',
  '4242',
  '1.4242.0',
  'svc-12 production',
  'subsystem 17',
  'adopt option',
  'area-4',
  'decison 977',
  'rollback',
  'kubernetes postgres',
];

const env = envFor(join(WORK, 'home'));

async function fixture(): Promise<string> {
  const repo = join(WORK, 'repo');
  if (existsSync(join(WORK, 'ready'))) return repo;
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  console.error(`building a fixture of ${COUNT} memories (once; kept in ${WORK})`);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
  time(NEW_BIN, ['init', '--policy', 'permissive', '--name', 'bench'], repo);
  for (let i = 0; i < COUNT; i++) {
    const origin: Origin = {
      node: 'bench',
      author: { name: 'Bench', email: 'bench@example.com' },
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    };
    const signed =
      i % 3 === 0
        ? buildDeploy(
            origin,
            { component: `svc-${i % 50}`, version: `1.${i}.0`, environment: 'production' },
            createHash('sha256').update(String(i)).digest('hex'),
          )
        : buildDecision(origin, `Decision ${i}: adopt option ${i % 7} for subsystem ${i % 31}`, [
            'bench',
            `area-${i % 9}`,
          ]);
    const memory = await signMemory(signed, undefined);
    const path = join(repo, '.remembrancer', memory.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, serializeEnvelope(memory.envelope));
  }
  execFileSync('git', ['add', '-A'], { cwd: repo, env });
  // No gc in the background: it would remove loose objects while the fixture is copied.
  execFileSync('git', ['config', 'gc.auto', '0'], { cwd: repo, env });
  execFileSync('git', ['commit', '-qm', `bench: ${COUNT} memories`], { cwd: repo, env });
  execFileSync('git', ['gc', '-q'], { cwd: repo, env });
  writeFileSync(join(WORK, 'ready'), new Date().toISOString());
  return repo;
}

const base = await fixture();
// One copy per build, so that neither reads or replaces the other's caches.
const copies = { old: join(WORK, 'old'), new: join(WORK, 'new') };
for (const dir of Object.values(copies)) {
  rmSync(dir, { recursive: true, force: true });
  cpSync(base, dir, { recursive: true });
}
const bins = { old: OLD_BIN, new: NEW_BIN };
const builds = ['old', 'new'] as const;
for (const b of builds) time(bins[b], ['query', 'warm-up'], copies[b]);
// Stamps within two seconds of the index's are not trusted (racy git): let them settle.
await sleep(2100);
for (const b of builds) time(bins[b], ['query', 'warm-up'], copies[b]);

const rows: [string, number, number][] = [];
const side = (name: string, argv: string[], n = REPEAT) => {
  const times = { old: [] as number[], new: [] as number[] };
  for (const b of builds) time(bins[b], argv, copies[b]); // warm the file system cache
  // Interleaved, so that a busy moment of the machine weighs on both alike.
  for (let i = 0; i < n; i++) for (const b of builds) times[b].push(time(bins[b], argv, copies[b]));
  rows.push([name, median(times.old), median(times.new)]);
  return times;
};
const all = { old: [] as number[], new: [] as number[] };
for (const q of QUERIES) {
  const t = side(`query ${q}`, ['query', ...q.split(' ')]);
  all.old.push(...t.old);
  all.new.push(...t.new);
}
rows.push(['query, all of the above (p50)', median(all.old), median(all.new)]);
side('query, no indexed word (the floor)', ['query', 'qqqqzzzz'], 15);
side('timeline (every memory)', ['timeline'], 3);

// In process: open the index and answer, with and without the look at the shown rows.
const repo = findRepository(copies.new);
// Interleaved too, after a warm-up round, so that neither gets the JIT's warm-up alone.
const inProcess = { without: [] as number[], with: [] as number[] };
for (let round = 0; round <= REPEAT; round++) {
  for (const q of QUERIES) {
    for (const kind of ['without', 'with'] as const) {
      const start = process.hrtime.bigint();
      const opened = await openSearchIndex(repo);
      const check = kind === 'with' ? new DiskCheck(repo, opened.file) : undefined;
      searchIndex(opened.file, q, {}, 20, check);
      opened.file.close();
      if (opened.status !== 'fresh') throw new Error(`index not fresh: ${opened.status}`);
      if (check?.needsJudge) throw new Error('a shown row was read again: not settled');
      if (round > 0) inProcess[kind].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
}
const without = median(inProcess.without);
const withCheck = median(inProcess.with);

// This build only: a memory a query shows, edited in place; the first query reads it
// again and leaves it out, the next ones report it from the index's list of left-out files.
const edits: [string, number][] = [];
{
  const dir = copies.new;
  const out = spawnSync(process.execPath, [NEW_BIN, 'query', 'Decision', '4242', '--json'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  const id = (JSON.parse(out.stdout) as { id: string }[])[0]?.id as string;
  const file = join(dir, '.remembrancer', 'memories', id.slice(0, 2), `${id}.json`);
  const original = readFileSync(file);
  writeFileSync(
    file,
    Buffer.from(original.toString('utf8').replace('"node": "bench"', '"node": "bencx"')),
  );
  edits.push([
    'first query after an edit of a shown memory',
    time(NEW_BIN, ['query', 'Decision', '4242'], dir),
  ]);
  edits.push([
    'the next query, within 2 s (racy: looked at again)',
    time(NEW_BIN, ['query', 'Decision', '4242'], dir),
  ]);
  await sleep(2100);
  edits.push([
    'a query 2 s later (looked at once more, and kept)',
    time(NEW_BIN, ['query', 'Decision', '4242'], dir),
  ]);
  edits.push([
    'the next query (left out, reported from the index)',
    time(NEW_BIN, ['query', 'Decision', '4242'], dir),
  ]);
  writeFileSync(file, original);
  edits.push([
    'first query after it is restored',
    time(NEW_BIN, ['query', 'Decision', '4242'], dir),
  ]);
}

const width = Math.max(...rows.map((r) => r[0].length), ...edits.map((e) => e[0].length));
console.log(`${'10,000 memories, CLI wall time (ms)'.padEnd(width)}   old    new  new/old`);
for (const [name, old, now] of rows) {
  console.log(
    `${name.padEnd(width)} ${old.toFixed(0).padStart(5)} ${now.toFixed(0).padStart(6)}  ${(now / old).toFixed(2).padStart(7)}`,
  );
}
console.log('');
for (const [name, ms] of edits)
  console.log(`${name.padEnd(width)} ${''.padStart(5)} ${ms.toFixed(0).padStart(6)}`);
console.log(
  `\nin process, open + query, p50 over the queries: ${without.toFixed(2)} ms without the look at ` +
    `the shown rows' files, ${withCheck.toFixed(2)} ms with it (${(withCheck / without).toFixed(2)}×)`,
);
