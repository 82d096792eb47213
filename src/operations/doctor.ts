/**
 * `doctor`: what a user's set-up needs, each gap with its fix. A check that fails blocks
 * normal use (recording, verifying); a warning is a gap worth closing that blocks nothing.
 * Network checks (TSA, peers) are bounded in time so that doctor always answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fetchTimeoutMs, probePeer } from '../git/fetch.js';
import { redactUrl } from '../git/peer-url.js';
import { run } from '../ground/subprocess.js';
import { readConfig, type Config } from '../store/config.js';
import { checkCovenant } from '../policy/covenant-target.js';
import { RemembrancerError } from '../ground/errors.js';
import { hooksStatus } from './hooks.js';
import { describeLock, findLocks } from './lock-report.js';
import { readPeers } from '../federation/peers.js';
import { findRepository, isInitialized, type Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { resolveTsas } from '../proof/timestamp.js';
import { TrustStore } from '../policy/trust.js';

export type CheckState = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  name: string;
  state: CheckState;
  detail: string;
  fix: string | null;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Per network probe: a TSA request, and a peer's ref (default REMEMBRANCER_FETCH_TIMEOUT_MS
   * when set, otherwise 5 s).
   */
  timeoutMs?: number;
}

const MIN_GIT = [2, 25];

/** How long doctor waits for a peer's ref when REMEMBRANCER_FETCH_TIMEOUT_MS is not set. */
const PEER_PROBE_MS = 5000;

async function command(
  file: string,
  args: string[],
  options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const r = await run(file, args, options);
  return {
    ok: r.code === 0,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr || r.startError?.message || (r.timedOut ? 'timed out' : ''),
  };
}

const check = (name: string, state: CheckState, detail: string, fix: string | null = null) => ({
  name,
  state,
  detail,
  fix,
});

const message = (err: unknown) =>
  err instanceof RemembrancerError ? err.message : err instanceof Error ? err.message : String(err);
const fixOf = (err: unknown, fallback: string) =>
  err instanceof RemembrancerError && err.fix ? err.fix : fallback;

async function gitCheck(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const r = await command('git', ['--version'], { timeoutMs: 5000, env });
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout);
  if (!r.ok || !m) {
    return check(
      'git',
      'fail',
      'git is not installed or does not run',
      'install git 2.25 or later',
    );
  }
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const version = m[0];
  if (major < (MIN_GIT[0] as number) || (major === MIN_GIT[0] && minor < (MIN_GIT[1] as number))) {
    return check('git', 'warn', `git ${version} is older than 2.25`, 'upgrade git');
  }
  return check('git', 'ok', `git ${version}`);
}

async function gpgCheck(env: NodeJS.ProcessEnv, needed: boolean): Promise<DoctorCheck> {
  const r = await command('gpg', ['--version'], { timeoutMs: 5000, env });
  const m = /gpg \(GnuPG\) (\d+\.\d+(?:\.\d+)?)/.exec(r.stdout);
  if (!r.ok || !m) {
    return check(
      'gpg',
      needed ? 'fail' : 'warn',
      needed
        ? 'gpg is not installed, and your signing key is a GnuPG key'
        : 'gpg is not installed (only needed to sign with a GnuPG key or check bundles by hand)',
      'install GnuPG 2.2 or later (apt-get install gnupg, brew install gnupg)',
    );
  }
  return check('gpg', 'ok', `GnuPG ${m[1]}`);
}

async function signerCheck(
  env: NodeJS.ProcessEnv,
  trust: TrustStore | undefined,
  config: Config | undefined,
): Promise<DoctorCheck> {
  const { resolveSigner } = await import('../crypto/signer.js');
  let signer;
  try {
    signer = await resolveSigner({ env });
  } catch (err) {
    return check(
      'signing key',
      'fail',
      `your signing key cannot be used: ${message(err)}`,
      fixOf(err, 'check REMEMBRANCER_KEY, REMEMBRANCER_KEY_ID or `remembrancer key list`'),
    );
  }
  if (!signer) {
    return check(
      'signing key',
      config?.policy === 'strict' ? 'fail' : 'warn',
      'no signing key is configured, so you cannot record memories',
      'run `remembrancer key generate --trust`, or set REMEMBRANCER_KEY or REMEMBRANCER_KEY_ID',
    );
  }
  // Usable means it signs, and what it signs verifies with the key this repository trusts.
  const probe = randomBytes(32);
  let signature: string;
  try {
    signature = await signer.sign(probe);
  } catch (err) {
    return check(
      'signing key',
      'fail',
      `${signer.source} does not sign: ${message(err)}`,
      fixOf(err, 'check the key and its passphrase (REMEMBRANCER_KEY_PASSPHRASE)'),
    );
  }
  const who = `${signer.identity.name} <${signer.identity.email}>, ${signer.fingerprint} (${signer.source})`;
  if (!trust) return check('signing key', 'ok', `${who} signs`);
  const anchor = trust.keys.get(signer.fingerprint);
  if (!anchor) {
    return check(
      'signing key',
      config?.policy === 'strict' ? 'fail' : 'warn',
      `${who} signs, but this repository does not trust it: what you record would break the covenant`,
      'trust it in its own reviewed change: export the public key and run `remembrancer trust add KEY.asc`',
    );
  }
  const { verifyDetached } = await import('../crypto/openpgp.js');
  const verdict = await verifyDetached(probe, signature, anchor.key);
  if (!verdict.ok) {
    return check(
      'signing key',
      'fail',
      `${who} signs, but the trusted copy of the key does not verify it: ${verdict.reason ?? ''}`,
      'replace the trust anchor with the current public key (`remembrancer trust add`)',
    );
  }
  return check('signing key', 'ok', `${who} signs, and this repository trusts it`);
}

function trustCheck(trust: TrustStore, config: Config): DoctorCheck {
  if (trust.problems.length > 0) {
    const p = trust.problems[0] as RemembrancerError;
    return check(
      'trust anchors',
      'fail',
      `${p.file ? `${p.file}: ` : ''}${p.message}`,
      p.fix ?? 'fix the file under .remembrancer/trust/',
    );
  }
  if (trust.keys.size === 0) {
    return check(
      'trust anchors',
      config.policy === 'strict' ? 'fail' : 'warn',
      `no trusted keys, and the policy is ${config.policy}`,
      'run `remembrancer key generate --trust` or `remembrancer trust add KEY.asc`',
    );
  }
  const tsa = trust.tsaRoots.size;
  return check(
    'trust anchors',
    'ok',
    `${trust.keys.size} trusted key(s), ${tsa} TSA root(s), policy ${config.policy}`,
  );
}

async function tsaChecks(
  config: Config,
  trust: TrustStore,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<DoctorCheck[]> {
  let tsas;
  try {
    tsas = resolveTsas(config, undefined, env);
  } catch (err) {
    return [check('TSA', 'fail', message(err), fixOf(err, 'fix REMEMBRANCER_TSA_URL'))];
  }
  if (tsas.length === 0) {
    return [
      check(
        'TSA',
        config.requireTimestamp ? 'fail' : 'ok',
        config.requireTimestamp
          ? 'timestamps are required, but no Time-Stamp Authority is configured'
          : 'no Time-Stamp Authority configured (optional)',
        config.requireTimestamp
          ? 'add one to .remembrancer/config.json or set REMEMBRANCER_TSA_URL (docs/timestamps.md)'
          : null,
      ),
    ];
  }
  const { requestTimestamp } = await import('../crypto/rfc3161.js');
  return Promise.all(
    tsas.map(async (tsa) => {
      const data = randomBytes(32);
      const digest = createHash('sha256').update(data).digest();
      const name = `TSA ${tsa.name}`;
      let token: Uint8Array;
      try {
        token = await requestTimestamp(tsa.url, digest, timeoutMs);
      } catch (err) {
        return check(
          name,
          config.requireTimestamp ? 'fail' : 'warn',
          message(err),
          'check the URL and your network; records still work, only without a timestamp',
        );
      }
      try {
        const verdict = await (await trust.tokenVerifier()).verify(token, data);
        return check(name, 'ok', `${tsa.url} answers, token by ${verdict.tsa} is trusted`);
      } catch (err) {
        return check(
          name,
          'fail',
          `${tsa.url} answers, but its token is not trusted here: ${message(err)}`,
          "trust the TSA's root certificate with `remembrancer trust add-tsa CERT.pem`",
        );
      }
    }),
  );
}

async function hooksCheck(repo: Repository): Promise<DoctorCheck> {
  try {
    const status = await hooksStatus(repo);
    const missing = status.hooks.filter((h) => !h.installed).map((h) => h.name);
    if (missing.length === 0) {
      return check('hooks', 'ok', `pre-commit and pre-push installed (${status.mode})`);
    }
    const configured = status.hooks.some((h) => h.configured);
    return check(
      'hooks',
      'warn',
      `${missing.join(' and ')} not installed, so nothing checks a commit before it is made`,
      configured ? 'run `npx simple-git-hooks`' : 'run `remembrancer hooks install`',
    );
  } catch (err) {
    return check('hooks', 'warn', message(err), fixOf(err, 'run `remembrancer hooks status`'));
  }
}

async function peerChecks(
  repo: Repository,
  env: NodeJS.ProcessEnv,
  override: number | undefined,
): Promise<DoctorCheck[]> {
  let timeoutMs: number;
  try {
    timeoutMs = override ?? fetchTimeoutMs(env, PEER_PROBE_MS);
  } catch (err) {
    return [
      check('peers', 'fail', message(err), fixOf(err, 'unset REMEMBRANCER_FETCH_TIMEOUT_MS')),
    ];
  }
  let peers;
  try {
    peers = await readPeers(new WorkingTreeSnapshot(repo.remDir));
  } catch (err) {
    return [check('peers', 'fail', message(err), fixOf(err, 'fix .remembrancer/peers.json'))];
  }
  if (peers.length === 0) return [check('peers', 'ok', 'no federation peers (optional)')];
  return Promise.all(
    peers.map(async (peer) => {
      if (peer.retired)
        return check(
          `peer ${peer.name}`,
          'ok',
          'retired: not synced; its keys verify what it brought',
        );
      // Through the transport and within the time-out a sync would use, so that what
      // doctor says of a peer is what its sync would meet.
      try {
        const { oid } = await probePeer(repo, peer, { timeoutMs });
        return check(
          `peer ${peer.name}`,
          'ok',
          `${redactUrl(peer.url)} has ${peer.ref} at ${oid.slice(0, 7)}`,
        );
      } catch (err) {
        return check(
          `peer ${peer.name}`,
          'warn',
          message(err),
          fixOf(err, 'check the URL and your access; syncs with this peer fail until it answers'),
        );
      }
    }),
  );
}

/** A lock left behind blocks writes (ours) or every commit (git's index.lock). */
async function locksCheck(repo: Repository): Promise<DoctorCheck> {
  const locks = await findLocks(repo);
  if (locks.length === 0) return check('locks', 'ok', 'no lock file left in the git directory');
  // What a dead process of ours left, the next command clears by itself; git's own lock
  // (no pid of ours in it) only its owner, or the user, may remove.
  const ours = locks.every((l) => l.pid !== undefined && l.running === false);
  return check(
    'locks',
    'warn',
    locks.map(describeLock).join('; '),
    ours
      ? 'run any remembrancer command (`remembrancer list`): it finishes or undoes the interrupted write and removes what its dead process left'
      : 'if no remembrancer or git command is running in this repository, delete the lock file named',
  );
}

async function covenantCheck(repo: Repository): Promise<DoctorCheck> {
  try {
    const report = await checkCovenant(repo);
    if (report.ok) {
      return check(
        'covenant',
        'ok',
        `holds over ${report.memories} memories (root ${report.root.slice(0, 12)}…)`,
      );
    }
    const first = report.violations[0];
    return check(
      'covenant',
      'fail',
      `${report.violations.length} violation(s), first: ${first?.file ? `${first.file}: ` : ''}${first?.message ?? ''}`,
      'run `remembrancer covenant` for each violation and its fix',
    );
  } catch (err) {
    return check('covenant', 'fail', message(err), fixOf(err, 'run `remembrancer covenant`'));
  }
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 5000;
  const checks: DoctorCheck[] = [];
  checks.push(await gitCheck(env));
  const { readUserConfig } = await import('../crypto/user-config.js');
  const user = await readUserConfig(env).catch(() => undefined);
  const signsWithGpg =
    Boolean(env['REMEMBRANCER_KEY_ID']) || (!env['REMEMBRANCER_KEY'] && Boolean(user?.gpgKey));
  checks.push(await gpgCheck(env, signsWithGpg));

  let repo: Repository | undefined;
  try {
    repo = findRepository(options.cwd);
  } catch (err) {
    checks.push(
      check('repository', 'fail', message(err), fixOf(err, 'run it in a git repository')),
    );
  }
  let config: Config | undefined;
  let trust: TrustStore | undefined;
  if (repo && !isInitialized(repo)) {
    checks.push(
      check(
        'repository',
        'fail',
        `${repo.root} has no .remembrancer/ yet`,
        'run `remembrancer init --hooks`',
      ),
    );
  } else if (repo) {
    const snapshot = new WorkingTreeSnapshot(repo.remDir);
    try {
      config = await readConfig(snapshot);
      checks.push(check('repository', 'ok', `${repo.root}, node ${config?.node ?? '?'}`));
    } catch (err) {
      checks.push(check('repository', 'fail', message(err), fixOf(err, 'fix config.json')));
    }
    trust = await TrustStore.load(snapshot);
  }
  checks.push(await signerCheck(env, trust, config));
  if (repo && config && trust) {
    checks.push(trustCheck(trust, config));
    checks.push(...(await tsaChecks(config, trust, env, timeoutMs)));
    checks.push(await hooksCheck(repo));
    checks.push(...(await peerChecks(repo, env, options.timeoutMs)));
    checks.push(await locksCheck(repo));
    checks.push(await covenantCheck(repo));
  }
  return { ok: checks.every((c) => c.state !== 'fail'), checks };
}
