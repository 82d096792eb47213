// `npm run bench`: the numbers we promise, measured on the built CLI. Prints a table and
// writes bench/results.json. A benchmark, never a timed test: it reports, it does not fail.
// Usage: node bench/run.mjs [--only NAME[,NAME]] [--memories N]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/remembrancer.js', import.meta.url));
const LIB = new URL('../dist/lib.js', import.meta.url).href;
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const memoriesArg = args.includes('--memories')
  ? Number(args[args.indexOf('--memories') + 1])
  : 10_000;

const work = realpathSync(mkdtempSync(join(tmpdir(), 'remembrancer-bench-')));
const env = {
  ...process.env,
  HOME: work,
  XDG_CONFIG_HOME: join(work, 'config'),
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
  NO_COLOR: '1',
};

function time(cmd, argv, cwd = work, expect = 0) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, argv, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== expect)
    throw new Error(`${[cmd, ...argv].join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function repeat(n, fn) {
  fn(); // warm the file system cache
  return Array.from({ length: n }, fn);
}

const rem = (argv, cwd) => time(process.execPath, [BIN, ...argv], cwd);
const results = [];
const want = (name) => !only || only.includes(name);

function newRepo(name) {
  const dir = join(work, name);
  mkdirSync(dir);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  rem(['init', '--name', name], dir);
  return dir;
}

if (want('startup')) {
  const node = median(repeat(30, () => time(process.execPath, ['-e', '0'])));
  const version = median(repeat(30, () => rem(['--version'])));
  const help = median(repeat(15, () => rem(['--help'])));
  results.push({ name: 'startup: node -e 0', value: node, unit: 'ms' });
  results.push({
    name: 'startup: remembrancer --version',
    value: version,
    unit: 'ms',
    target: `≤ 1.6× node (${(1.6 * node).toFixed(0)} ms)`,
    pass: version <= 1.6 * node,
    ratio: version / node,
  });
  results.push({ name: 'startup: remembrancer --help', value: help, unit: 'ms' });
}

if (want('record')) {
  const dir = newRepo('record');
  rem(['key', 'generate', '--name', 'Bench', '--email', 'bench@example.com', '--trust'], dir);
  let i = 0;
  const record = median(
    repeat(10, () => rem(['record', 'decision', `decision number ${i++}`, '--tag', 'bench'], dir)),
  );
  writeFileSync(join(dir, 'artifact.bin'), Buffer.alloc(1 << 20, 7));
  const deploy = median(
    repeat(10, () =>
      rem(
        [
          'record',
          'deploy',
          '--component',
          'api',
          '--version',
          `1.0.${i++}`,
          '--evidence',
          'artifact.bin',
        ],
        dir,
      ),
    ),
  );
  results.push({ name: 'record decision (signed, committed)', value: record, unit: 'ms' });
  results.push({ name: 'record deploy --evidence 1 MiB', value: deploy, unit: 'ms' });
}

if (want('covenant')) {
  const dir = newRepo('covenant');
  rem(['key', 'generate', '--name', 'Bench', '--email', 'bench@example.com', '--trust'], dir);
  const lib = await import(LIB);
  const signer = await lib.resolveSigner({ env });
  const node = 'covenant';
  const genStart = Date.now();
  for (let i = 0; i < memoriesArg; i++) {
    const origin = {
      node,
      author: { name: signer.identity.name, email: signer.identity.email, key: signer.fingerprint },
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    };
    const signed =
      i % 3 === 0
        ? lib.buildDeploy(
            origin,
            { component: `svc-${i % 50}`, version: `1.${i}.0`, environment: 'production' },
            i.toString(16).padStart(2, '0').repeat(32).slice(0, 64),
          )
        : lib.buildDecision(
            origin,
            `Decision ${i}: adopt option ${i % 7} for subsystem ${i % 31}`,
            ['bench', `area-${i % 9}`],
          );
    const memory = await lib.signMemory(signed, signer);
    const path = join(dir, '.remembrancer', memory.path);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, lib.serializeEnvelope(memory.envelope));
  }
  execFileSync('git', ['add', '-A'], { cwd: dir, env });
  execFileSync('git', ['commit', '-qm', `bench: ${memoriesArg} memories`], { cwd: dir, env });
  const generation = (Date.now() - genStart) / 1000;
  rem(['seal'], dir);
  const covenant = median(Array.from({ length: 3 }, () => rem(['covenant'], dir)));
  const root = median(Array.from({ length: 3 }, () => rem(['root'], dir)));
  results.push({
    name: `covenant over ${memoriesArg} memories`,
    value: covenant,
    unit: 'ms',
    target: '< 5000 ms',
    pass: covenant < 5000,
  });
  results.push({ name: `root over ${memoriesArg} memories`, value: root, unit: 'ms' });
  results.push({
    name: `(setup) sign and write ${memoriesArg} memories`,
    value: generation * 1000,
    unit: 'ms',
  });
}

if (process.env.BENCH_KEEP) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });

const width = Math.max(...results.map((r) => r.name.length));
console.log(`${'benchmark'.padEnd(width)}  ${'median'.padStart(10)}  target`);
for (const r of results) {
  const target = r.target ? `${r.target} ${r.pass ? 'ok' : 'MISSED'}` : '';
  console.log(
    `${r.name.padEnd(width)}  ${`${r.value.toFixed(1)} ${r.unit}`.padStart(10)}  ${target}`,
  );
}
const file = fileURLToPath(new URL('./results.json', import.meta.url));
const previous = only
  ? await import('node:fs').then((fs) => {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')).results;
      } catch {
        return [];
      }
    })
  : [];
const merged = [...previous.filter((p) => !results.some((r) => r.name === p.name)), ...results];
writeFileSync(
  file,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      results: merged,
    },
    null,
    2,
  ) + '\n',
);
console.log(`\nwrote ${file}`);
