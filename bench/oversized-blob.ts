// How much time and memory rejecting one oversized memory file from a peer costs: a peer
// commits a ~300 MB file where a memory belongs, and our node runs `federation sync`.
// A benchmark, never a timed test: it prints wall time and peak RSS (from /usr/bin/time -v)
// for each build and each way the peer may store the blob, and fails only if a sync does not
// reject the file.
//
// Usage: node scripts/run-ts.mjs bench/oversized-blob.ts [--bin PATH]... [--mb 306]
//        [--forms loose,packed,bomb,http]
// --bin defaults to this checkout's bin/remembrancer.js; pass it twice to compare two
// builds (e.g. --bin /tmp/old/bin/remembrancer.js --bin bin/remembrancer.js).
// Forms: loose (git add leaves the blob as one loose object), packed (after git gc),
// bomb (a blob of zeros: a few MB on disk, gigabytes inflated; size set by --bomb-mb),
// http (the packed peer served by git http-backend).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GitHttpServer } from '../test/helpers/git-server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const values = (flag: string): string[] =>
  args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1] as string] : []));
const bins = values('--bin').map((b) => resolve(b));
if (bins.length === 0) bins.push(join(ROOT, 'bin', 'remembrancer.js'));
const megabytes = Number(values('--mb')[0] ?? 306);
const bombMegabytes = Number(values('--bomb-mb')[0] ?? 2048);
const forms = (values('--forms')[0] ?? 'loose,packed,bomb,http').split(',');

const scratch = realpathSync(mkdtempSync(join(tmpdir(), 'remembrancer-oversized-')));

function envFor(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env['PATH'],
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.com',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.com',
    NO_COLOR: '1',
    REMEMBRANCER_TSA_URL: '',
  };
}

function rem(bin: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync(process.execPath, [bin, ...argv], { cwd, env, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`remembrancer ${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

interface Repo {
  dir: string;
  env: NodeJS.ProcessEnv;
  key: string;
}

function newRepo(bin: string, base: string, name: string): Repo {
  const home = join(base, `${name}-home`);
  const dir = join(base, name);
  mkdirSync(home, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const env = envFor(home);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  rem(bin, ['init', '--name', name], dir, env);
  rem(
    bin,
    ['key', 'generate', '--name', name, '--email', `${name}@example.com`, '--trust'],
    dir,
    env,
  );
  const keys = join(dir, '.remembrancer', 'trust', 'keys');
  return { dir, env, key: join(keys, readdirSync(keys)[0] as string) };
}

/** Writes `bytes` of a memory-shaped file: random hex (compresses to half), or zeros. */
function writeBig(path: string, bytes: number, fill: 'random' | 'zeros'): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, '{"signed":"');
    const chunk = 4 * 1024 * 1024;
    const zeros = Buffer.alloc(chunk, 0x30);
    for (let done = 13; done < bytes; done += chunk) {
      const n = Math.min(chunk, bytes - done);
      const text = () => Buffer.from(randomBytes(Math.ceil(n / 2)).toString('hex'), 'latin1');
      writeSync(fd, fill === 'zeros' ? zeros.subarray(0, n) : text().subarray(0, n));
    }
    writeSync(fd, '"}');
  } finally {
    closeSync(fd);
  }
}

const OVERSIZED = 'cd' + '1'.repeat(62);

/** A peer with one good decision and one oversized file where a memory belongs. */
function peerWithBlob(
  bin: string,
  base: string,
  bytes: number,
  fill: 'random' | 'zeros',
  gc: boolean,
): Repo {
  const peer = newRepo(bin, base, 'beta');
  rem(bin, ['record', 'decision', 'A legitimate decision'], peer.dir, peer.env);
  const shard = join(peer.dir, '.remembrancer', 'memories', OVERSIZED.slice(0, 2));
  mkdirSync(shard, { recursive: true });
  writeBig(join(shard, `${OVERSIZED}.json`), bytes, fill);
  execFileSync('git', ['add', '-A'], { cwd: peer.dir, env: peer.env });
  execFileSync('git', ['commit', '-qm', 'oversized'], { cwd: peer.dir, env: peer.env });
  if (gc) execFileSync('git', ['gc', '-q'], { cwd: peer.dir, env: peer.env });
  return peer;
}

interface Measured {
  seconds: number;
  peakMiB: number;
  code: number;
  reason: string;
}

/** Runs the sync without blocking this process: the http form's server lives in it. */
function run(cmd: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((done) => {
    execFile(cmd, argv, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const status = err ? Number((err as { code?: number }).code ?? -1) : 0;
      done({ status, stdout, stderr });
    });
  });
}

async function measureSync(bin: string, ours: Repo): Promise<Measured> {
  const r = await run(
    '/usr/bin/time',
    ['-v', process.execPath, bin, 'federation', 'sync', 'beta', '--json'],
    ours.dir,
    ours.env,
  );
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(
    r.stderr,
  );
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`no figures from /usr/bin/time: ${r.stderr}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  let reason: string;
  try {
    const out = JSON.parse(r.stdout) as {
      peers: { rejected?: { path: string; reason: string }[]; error?: { message: string } }[];
    };
    const first = out.peers[0];
    reason =
      first?.error?.message ??
      first?.rejected?.find((x) => x.path.includes(OVERSIZED))?.reason ??
      'NOT REJECTED';
  } catch {
    reason = (r.stderr.split('\n').find((l) => l.trim() && !l.startsWith('\t')) ?? '').trim();
  }
  return { seconds, peakMiB: Number(rss[1]) / 1024, code: r.status, reason };
}

const rows: string[][] = [];
const server = new GitHttpServer({ root: join(scratch, 'served') });
mkdirSync(join(scratch, 'served'), { recursive: true });
await server.start();
try {
  for (const form of forms) {
    const fill = form === 'bomb' ? 'zeros' : 'random';
    const bytes = (form === 'bomb' ? bombMegabytes : megabytes) * 1024 * 1024;
    const base = join(scratch, form);
    // The peer is made once per form (with the first build) and copied for each build.
    const peer = peerWithBlob(bins[0] as string, base, bytes, fill, form !== 'loose');
    let url = peer.dir;
    if (form === 'http') {
      execFileSync('git', ['clone', '-q', '--bare', peer.dir, join(scratch, 'served', 'beta.git')]);
      url = server.url('beta.git');
    }
    for (const [i, bin] of bins.entries()) {
      const ours = newRepo(bin, join(base, `ours-${i}`), 'alpha');
      rem(bin, ['federation', 'add', 'beta', url, '--key', peer.key], ours.dir, ours.env);
      const m = await measureSync(bin, ours);
      rows.push([
        form,
        `${(bytes / 1024 / 1024).toFixed(0)} MiB`,
        bin.replace(ROOT, './'),
        `${m.seconds.toFixed(2)} s`,
        `${m.peakMiB.toFixed(0)} MiB`,
        String(m.code),
        m.reason.slice(0, 100),
      ]);
      console.log(rows[rows.length - 1]?.join(' | '));
      rmSync(join(base, `ours-${i}`), { recursive: true, force: true });
    }
    rmSync(base, { recursive: true, force: true });
    rmSync(join(scratch, 'served', 'beta.git'), { recursive: true, force: true });
  }
} finally {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
}
console.log('\nform | blob | build | wall | peak RSS | exit | reason');
for (const row of rows) console.log(row.join(' | '));
