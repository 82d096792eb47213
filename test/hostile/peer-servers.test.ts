/**
 * A peer's server that misbehaves, over every transport a peer URL may use: real servers
 * on loopback (git http-backend behind node's http and https servers, `git daemon` behind
 * a TCP listener), each URL picking one way to go wrong: garbage instead of pkt-lines, a
 * wrong content type, HTTP errors, redirects away and in a loop, a pack cut short or with
 * a wrong checksum, a server that never answers or drips a byte at a time for ever, ref
 * names no git writes, a list of refs without end, TLS certificates that are untrusted or
 * for another host, a git daemon that stalls before or inside its pack.
 *
 * Each `federation sync NAME` ends by itself (a hanging server within the fetch time-out,
 * REMEMBRANCER_FETCH_TIMEOUT_MS, set small here), exits 1 with one printable line naming
 * the peer, its URL, the cause and the fix, and leaves everything of ours as it was: HEAD,
 * index, working tree, objects, refs (no ref and no lock under refs/remembrancer), and no
 * scratch folder; only the peer's last error is noted for `federation status`. `doctor`
 * probes each peer through the same transport and says the same. Servers that send only
 * what an honest one would plus refs no git writes are fetched, the hostile names ignored.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import {
  GitDaemon,
  GitHttpServer,
  makeCertificates,
  type Certificates,
  type DaemonMode,
  type ServerMode,
} from '../helpers/git-server.js';
import { noCrash } from '../helpers/hostile.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  type Node,
  type SyncJson,
  type Outcome,
} from '../helpers/nodes.js';

const track = sandboxTracker();

/** The fetch time-out of every sync that meets a server which never finishes answering. */
const HANG_MS = 1000;
/** doctor probes every peer at once; honest answers must come well within this. */
const DOCTOR_MS = 3000;

const FIX_DEFAULT =
  'check that the peer is up and its URL is right (remembrancer federation list), then sync again';
const FIX_NOT_GIT =
  "check the peer's URL: it must name the repository as `git clone` takes it (remembrancer federation list)";
const FIX_TIMEOUT =
  'check that the peer is up; if it is only slow, give it longer with REMEMBRANCER_FETCH_TIMEOUT_MS (or `federation sync --timeout SECONDS`)';
const FIX_PACK =
  "sync again; if it keeps failing, the peer's server is damaged: tell its operator, or fetch the peer over ssh or a path";
const FIX_TLS =
  "if the peer's certificate comes from a CA of your own, trust that CA with NODE_EXTRA_CA_CERTS=CA.pem; otherwise something between you and the peer is answering for it";
const FIX_NOT_REPOSITORY =
  "the peer's repository holds what no git repository does: tell its owner, and sync once it is repaired";
const FIX_REDIRECT =
  'if the peer has moved, put its new URL in .remembrancer/peers.json (it is checked as `federation add` checks it)';

interface Case {
  /** The peer's name in peers.json. */
  name: string;
  url: string;
  /** What follows "URL: " in the one line. */
  cause: string;
  fix: string;
  /** It never finishes answering: the sync ends at HANG_MS. */
  hangs?: boolean;
  /** doctor only reads the ref, so a server that fails later answers it. */
  doctorSees: 'the same' | 'the ref';
}

let alpha: Node;
let beta: Node;
/**
 * Our node, with every hostile peer of `cases` in its peers.json. Every case fails, so its
 * store never gains the peer's objects (each case checks that): a case that fetched them
 * would let a later stall pass with nothing left to fetch.
 */
let ours: Node;
let tools: string;
let http: GitHttpServer;
let daemon: GitDaemon;
let certs: Certificates;
const tls: Record<'good' | 'wrongHost' | 'untrusted', GitHttpServer | undefined> = {
  good: undefined,
  wrongHost: undefined,
  untrusted: undefined,
};
let cases: Case[] = [];
let betaMemories: string[] = [];

function timedOut(ms: number): string {
  return `timed out after ${ms / 1000} s`;
}

function buildCases(): Case[] {
  const web = (mode: ServerMode, c: Omit<Case, 'name' | 'url'>): Case => ({
    name: `http-${mode}`,
    url: http.url('beta.git', mode),
    ...c,
  });
  const git = (mode: DaemonMode, c: Omit<Case, 'name' | 'url'>): Case => ({
    name: `git-${mode}`,
    url: daemon.url('beta.git', mode),
    ...c,
  });
  const hang = { cause: timedOut(HANG_MS), fix: FIX_TIMEOUT, hangs: true };
  const away = http.url('beta.git', undefined, 'localhost');
  return [
    web('garbage', {
      cause: 'the server did not answer as a git server',
      fix: FIX_NOT_GIT,
      doctorSees: 'the same',
    }),
    web('wrong-type', {
      cause:
        'the server answered text/html where a git server answers application/x-git-upload-pack-advertisement',
      fix: FIX_NOT_GIT,
      doctorSees: 'the same',
    }),
    web('500', {
      cause: 'HTTP 500 Internal Server Error',
      fix: FIX_DEFAULT,
      doctorSees: 'the same',
    }),
    web('404', {
      cause: 'HTTP 404: no git repository at that URL',
      fix: FIX_NOT_GIT,
      doctorSees: 'the same',
    }),
    web('slow', { ...hang, doctorSees: 'the same' }),
    web('slow-pack', { ...hang, doctorSees: 'the ref' }),
    web('drip', { ...hang, doctorSees: 'the same' }),
    web('drip-pack', { ...hang, doctorSees: 'the ref' }),
    web('truncated-pack', { cause: 'the pack is cut short', fix: FIX_PACK, doctorSees: 'the ref' }),
    web('bad-checksum', {
      cause: 'the pack does not end with its checksum',
      fix: FIX_PACK,
      doctorSees: 'the ref',
    }),
    web('redirect-away', {
      cause: `the server redirected to ${away}/info/refs?service=git-upload-pack, another host, which is refused`,
      fix: FIX_REDIRECT,
      doctorSees: 'the same',
    }),
    web('redirect-loop', {
      cause: 'the server redirected more than 5 times',
      fix: FIX_DEFAULT,
      doctorSees: 'the same',
    }),
    web('hostile-symref', {
      cause:
        'the server advertised refs/heads/main as a link to an invalid ref name: refs/heads/../../../../../../../../pwned',
      fix: FIX_NOT_GIT,
      doctorSees: 'the ref',
    }),
    web('endless-refs', {
      cause:
        "the server's list of refs is over 8 MiB; fetch this peer over ssh or a path on this machine",
      fix: FIX_DEFAULT,
      doctorSees: 'the same',
    }),
    {
      name: 'https-untrusted',
      url: (tls.untrusted as GitHttpServer).url('beta.git'),
      cause: 'its TLS certificate is not trusted here (self-signed certificate)',
      fix: FIX_TLS,
      doctorSees: 'the same',
    },
    {
      name: 'https-wrong-host',
      url: (tls.wrongHost as GitHttpServer).url('beta.git'),
      cause: 'its TLS certificate is not for 127.0.0.1',
      fix: FIX_TLS,
      doctorSees: 'the same',
    },
    git('slow', { ...hang, doctorSees: 'the same' }),
    git('stall', { ...hang, doctorSees: 'the ref' }),
    git('stall-pack', { ...hang, doctorSees: 'the ref' }),
    git('hang-up', {
      cause: 'fetch-pack: unexpected disconnect while reading sideband packet',
      fix: FIX_DEFAULT,
      doctorSees: 'the ref',
    }),
    git('garbage', {
      cause: 'protocol error: bad line length character: HTTP',
      fix: FIX_NOT_GIT,
      doctorSees: 'the same',
    }),
    ...local.map(([name, path, file, what, doctorSees]) => ({
      name,
      url: path,
      cause: `${join(path, file)} is ${what}, where a repository keeps a file`,
      fix: FIX_NOT_REPOSITORY,
      doctorSees,
    })),
  ];
}

/**
 * Peers at a path on this machine whose store holds what no repository does, in place of
 * one of its files: a FIFO (opened plainly, it waits for ever) or a link to /dev/zero
 * (read plainly, it never ends). [name, path, file, what it is, what doctor sees].
 */
let local: [string, string, string, string, Case['doctorSees']][] = [];

async function makeLocalPeers(root: string): Promise<typeof local> {
  const made: typeof local = [];
  const copy = async (name: string) => {
    const path = join(root, `${name}.git`);
    // Pushed, not cloned: a small push leaves its objects loose, one file each.
    await beta.s.git(['init', '-q', '--bare', '-b', 'main', path]);
    await beta.s.git(['push', '-q', path, 'main']);
    return path;
  };
  const fifoRef = await copy('local-fifo-ref');
  rmSync(join(fifoRef, 'refs/heads/main'));
  execFileSync('mkfifo', [join(fifoRef, 'refs/heads/main')]);
  made.push(['local-fifo-ref', fifoRef, 'refs/heads/main', 'a FIFO', 'the same']);
  const device = await copy('local-device');
  rmSync(join(device, 'refs/heads/main'));
  symlinkSync('/dev/zero', join(device, 'packed-refs'));
  made.push(['local-device', device, 'packed-refs', 'a device', 'the same']);
  const fifoObject = await copy('local-fifo-object');
  const tip = (await beta.s.git(['rev-parse', 'HEAD'])).trim();
  const object = `objects/${tip.slice(0, 2)}/${tip.slice(2)}`;
  rmSync(join(fifoObject, object));
  execFileSync('mkfifo', [join(fifoObject, object)]);
  made.push(['local-fifo-object', fifoObject, object, 'a FIFO', 'the ref']);
  return made;
}

/** Everything of ours a fetch could touch: each file under objects/, refs (packed or not). */
function storeState(node: Node): string {
  const gitdir = join(node.s.repo, '.git');
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(`${relative(gitdir, path)} ${statSync(path).size}`);
    }
  };
  walk(join(gitdir, 'objects'));
  walk(join(gitdir, 'refs'));
  const packed = join(gitdir, 'packed-refs');
  return `${files.sort().join('\n')}\n--\n${existsSync(packed) ? readFileSync(packed, 'utf8') : ''}`;
}

/** Scratch folders a fetch left behind in .git/remembrancer. */
function scratch(node: Node): string[] {
  const dir = join(node.s.repo, '.git', 'remembrancer');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith('incoming-')) : [];
}

function lastError(node: Node, name: string): string | undefined {
  const file = join(node.s.repo, '.git', 'remembrancer', 'federation-status.json');
  const status = JSON.parse(readFileSync(file, 'utf8')) as {
    peers: Record<string, { lastError?: string }>;
  };
  return status.peers[name]?.lastError;
}

/** No file a hostile ref name could have made, anywhere in our sandbox or the servers'. */
function nothingPwned(...dirs: string[]): void {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (/pwned|cleared|^--exec|^--upload-pack|\n/.test(name)) found.push(path);
      if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) walk(path);
    }
  };
  for (const dir of dirs) walk(dir);
  expect(found).toEqual([]);
}

beforeAll(async () => {
  tools = track(new Sandbox()).dir;
  [alpha, beta, certs] = await Promise.all([
    makeNode('alpha'),
    makeNode('beta'),
    makeCertificates(join(tools, 'certs')),
  ]);
  betaMemories = [
    await decide(beta, 'Adopt PostgreSQL for the ledger'),
    await decide(beta, 'Keep the audit log for seven years'),
  ].sort();
  const root = join(tools, 'served');
  mkdirSync(root);
  await beta.s.git(['clone', '-q', '--bare', beta.s.repo, join(root, 'beta.git')]);
  http = await new GitHttpServer({ root }).start();
  daemon = await new GitDaemon(root).start();
  tls.good = await new GitHttpServer({ root, tls: certs.good }).start();
  tls.wrongHost = await new GitHttpServer({ root, tls: certs.wrongHost }).start();
  tls.untrusted = await new GitHttpServer({ root, tls: certs.untrusted }).start();
  local = await makeLocalPeers(join(tools, 'local'));
  // Every node here trusts the test CA, as a user of a private CA would.
  alpha.s.env['NODE_EXTRA_CA_CERTS'] = certs.caFile;
  cases = buildCases();
  ours = forkNode(alpha);
  // Written as someone with write access would; sync and doctor check it like `federation add`.
  const peers = cases.map((c) => ({
    name: c.name,
    node: 'beta',
    url: c.url,
    ref: 'refs/heads/main',
    tier: 'core',
    keys: [],
  }));
  writeFileSync(
    join(ours.s.repo, '.remembrancer', 'peers.json'),
    JSON.stringify({ schema: 1, peers }, null, 2) + '\n',
  );
  await commitAll(ours, 'federate with every hostile server');
});

afterAll(async () => {
  await Promise.all([http, daemon, ...Object.values(tls)].map((s) => s?.stop()));
});

describe('a misbehaving server: the sync ends by itself, says why in one line, changes nothing', () => {
  // The cases are built once the servers listen, so each test looks its case up by name.
  const names = [
    'http-garbage',
    'http-wrong-type',
    'http-500',
    'http-404',
    'http-slow',
    'http-slow-pack',
    'http-drip',
    'http-drip-pack',
    'http-truncated-pack',
    'http-bad-checksum',
    'http-redirect-away',
    'http-redirect-loop',
    'http-hostile-symref',
    'http-endless-refs',
    'https-untrusted',
    'https-wrong-host',
    'git-slow',
    'git-stall',
    'git-stall-pack',
    'git-hang-up',
    'git-garbage',
    'local-fifo-ref',
    'local-device',
    'local-fifo-object',
  ];
  for (const name of names) {
    it(name, async () => {
      const c = cases.find((k) => k.name === name) as Case;
      const before = await ours.s.state();
      const store = storeState(ours);
      const started = Date.now();
      const r = await ours.s.run(['federation', 'sync', c.name], {
        env: c.hangs ? { REMEMBRANCER_FETCH_TIMEOUT_MS: String(HANG_MS) } : {},
      });
      const took = Date.now() - started;
      noCrash(r, name);
      const line = `error: cannot fetch peer "${c.name}" at ${c.url}: ${c.cause} (fix: ${c.fix})`;
      expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        code: 1,
        stderr: `${line}\n`,
        stdout: '',
      });
      // A hang is cut at the time-out: well before the default minute, whatever the load.
      if (c.hangs) expect(took).toBeLessThan(HANG_MS + 15_000);
      expect(await ours.s.state()).toBe(before);
      expect(storeState(ours)).toBe(store);
      expect(scratch(ours)).toEqual([]);
      expect(lastError(ours, c.name)).toBe(line.slice('error: '.length, line.indexOf(' (fix: ')));
    });
  }

  it('a fetch time-out that is no number of milliseconds is refused before anything is fetched', async () => {
    const before = await ours.s.state();
    const store = storeState(ours);
    const env = { REMEMBRANCER_FETCH_TIMEOUT_MS: 'soon' };
    const r = await ours.s.run(['federation', 'sync', 'http-slow'], { env });
    const line =
      'error: REMEMBRANCER_FETCH_TIMEOUT_MS is "soon", not a number of milliseconds (fix: set it to a whole number of milliseconds (60000 is a minute), or unset it)\n';
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: line });
    const doctor = await ours.s.json<{ checks: { name: string; state: string; detail: string }[] }>(
      ['doctor'],
      { env },
    );
    expect(doctor.checks.find((c) => c.name === 'peers')).toMatchObject({
      state: 'fail',
      detail: 'REMEMBRANCER_FETCH_TIMEOUT_MS is "soon", not a number of milliseconds',
    });
    expect(await ours.s.state()).toBe(before);
    expect(storeState(ours)).toBe(store);
  });

  it('doctor probes each peer through the same transport and says the same', async () => {
    const before = await ours.s.state();
    const store = storeState(ours);
    const r = await ours.s.run(['doctor'], {
      env: { REMEMBRANCER_FETCH_TIMEOUT_MS: String(DOCTOR_MS) },
    });
    noCrash(r);
    const lines = r.stdout.split('\n');
    const tip = (await beta.s.git(['rev-parse', 'HEAD'])).trim();
    for (const c of cases) {
      // doctor pads each check's name to 14 columns.
      const label = `peer ${c.name}`.padEnd(14);
      const at = lines.findIndex((l) => l.startsWith(`✓ ${label} `) || l.startsWith(`! ${label} `));
      const [line, next] = [lines[at], lines[at + 1]];
      if (c.doctorSees === 'the ref') {
        expect(line, c.name).toBe(`✓ ${label} ${c.url} has refs/heads/main at ${tip.slice(0, 7)}`);
        expect(next?.startsWith('    fix:'), c.name).toBe(false);
      } else {
        const cause = c.hangs ? timedOut(DOCTOR_MS) : c.cause;
        expect([line, next], c.name).toEqual([
          `! ${label} cannot fetch peer "${c.name}" at ${c.url}: ${cause}`,
          `    fix: ${c.fix}`,
        ]);
      }
    }
    // eslint-disable-next-line no-control-regex -- no control character from a server gets through
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    // An unreachable peer is a warning: work here goes on (docs/operations.md).
    expect(r.code, r.stdout).toBe(0);
    expect(lines.at(-2)).toMatch(/^ready, with \d+ warning\(s\)$/);
    expect(await ours.s.state()).toBe(before);
    expect(storeState(ours)).toBe(store);
  });
});

describe('a server that answers honestly, or adds only refs no git would write', () => {
  const fetched: [string, () => string][] = [
    ['http (git http-backend)', () => http.url('beta.git')],
    [
      'https with a certificate of a CA we trust',
      () => (tls.good as GitHttpServer).url('beta.git'),
    ],
    ['git:// (git daemon)', () => daemon.url('beta.git')],
    ['http, with hostile ref names beside ours', () => http.url('beta.git', 'hostile-refs')],
    ['git://, with hostile ref names beside ours', () => daemon.url('beta.git', 'hostile-refs')],
  ];
  for (const [what, url] of fetched) {
    it(`${what}: the memories come, the hostile names leave no trace`, async () => {
      const a = forkNode(alpha);
      await peer(a, beta, [], url());
      const r = await a.s.run(['federation', 'sync', 'beta', '--json']);
      noCrash(r, what);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const out = (JSON.parse(r.stdout) as SyncJson).peers[0] as Outcome;
      expect(out.accepted).toEqual(betaMemories);
      expect(out.rejected).toEqual([]);
      expect((await a.s.git(['for-each-ref', '--format=%(refname)'])).trim().split('\n')).toEqual([
        'refs/heads/main',
        'refs/remembrancer/peers/beta/heads/main',
      ]);
      expect(await a.s.git(['status', '--porcelain'])).toBe('');
      expect(scratch(a)).toEqual([]);
      nothingPwned(a.s.dir, tools);
      await a.s.git(['fsck', '--strict', '--no-dangling']);
      await covenantHolds(a);
    });
  }
});
