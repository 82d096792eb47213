/**
 * Getting RFC 3161 timestamps: for each signature of a memory, a token from each
 * configured TSA over the SHA-256 of the binary signature. A token is added beside the
 * signature it vouches for; the memory's id does not change.
 */
import { createHash } from 'node:crypto';
import type { Config, TsaConfig } from '../store/config.js';
import { requireConfig } from '../store/config.js';
import { toMemory, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories, readByPrefix } from '../store/store.js';
import { transact } from '../store/transaction.js';
import { checkTimestamps } from './time.js';
import type { TrustStore } from '../policy/trust.js';

/** A name for a TSA known only by its URL. */
export function tsaNameFromUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RemembrancerError('USAGE', `"${url}" is not a URL`, {
      fix: 'pass the TSA as http(s)://host/path',
    });
  }
  // Host, port and path, so that two TSAs served by one host get two names.
  const name = `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  return (
    name
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .replace(/-+$/, '')
      .slice(0, 64) || 'tsa'
  );
}

function checkUrl(url: string): string {
  if (!/^https?:\/\//.test(url)) {
    throw new RemembrancerError('USAGE', `TSA URL "${url}" is not http(s)`, {
      fix: 'pass the TSA as http(s)://host/path',
    });
  }
  return url;
}

/** The TSAs to ask: --tsa, else REMEMBRANCER_TSA_URL (comma-separated), else config.json. */
export function resolveTsas(
  config: Config,
  override?: string,
  env: NodeJS.ProcessEnv = process.env,
): TsaConfig[] {
  if (override) return [{ name: tsaNameFromUrl(checkUrl(override)), url: override }];
  const fromEnv = env['REMEMBRANCER_TSA_URL'];
  if (fromEnv) {
    return fromEnv
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
      .map((url) => ({ name: tsaNameFromUrl(checkUrl(url)), url }));
  }
  return config.tsa ?? [];
}

export interface StampOutcome {
  memory: Memory;
  added: number;
  /** One line per TSA request that failed. */
  failures: string[];
}

/** Adds the tokens a memory's signatures lack from each TSA. Never throws for a TSA failure. */
export async function stampMemory(
  memory: Memory,
  tsas: TsaConfig[],
  timeoutMs?: number,
): Promise<StampOutcome> {
  if (tsas.length === 0 || memory.envelope.signatures.length === 0)
    return { memory, added: 0, failures: [] };
  const { requestTimestamp, signatureBytes } = await import('../crypto/rfc3161.js');
  let added = 0;
  const failures: string[] = [];
  const signatures = [];
  for (const signature of memory.envelope.signatures) {
    const timestamps = [...(signature.timestamps ?? [])];
    const digest = createHash('sha256')
      .update(await signatureBytes(signature.sig))
      .digest();
    for (const tsa of tsas) {
      if (timestamps.some((t) => t.tsa === tsa.name)) continue;
      try {
        const token = await requestTimestamp(tsa.url, digest, timeoutMs);
        timestamps.push({ tsa: tsa.name, token: Buffer.from(token).toString('base64') });
        added++;
      } catch (err) {
        failures.push(`${tsa.name}: ${(err as Error).message}`);
      }
    }
    signatures.push({ ...signature, ...(timestamps.length > 0 ? { timestamps } : {}) });
  }
  return { memory: toMemory({ signed: memory.envelope.signed, signatures }), added, failures };
}

/**
 * Stamps a freshly signed memory before it is written, as `record` and `seal` do when a
 * TSA is configured. An unreachable TSA is a warning, unless the config requires timestamps.
 */
export async function stampNew(
  memory: Memory,
  config: Config,
  trust: TrustStore,
  env: NodeJS.ProcessEnv = process.env,
): Promise<StampOutcome> {
  const tsas = resolveTsas(config, undefined, env);
  const outcome = await stampMemory(memory, tsas);
  if (outcome.added > 0) {
    // A token the covenant would reject is worth saying so now, not at review time.
    for (const status of await checkTimestamps(outcome.memory, trust)) {
      if (!status.ok)
        outcome.failures.push(
          `${status.tsa}: its token will not pass the covenant (${status.reason})`,
        );
    }
  }
  if (config.requireTimestamp && memory.envelope.signatures.length > 0 && outcome.added === 0) {
    throw new RemembrancerError(
      'TSA_FAILED',
      tsas.length === 0
        ? 'the config requires timestamps but no TSA is configured'
        : `the config requires a timestamp and no TSA gave one (${outcome.failures.join('; ')})`,
      {
        exitCode: 1,
        fix: 'configure a reachable TSA in .remembrancer/config.json or REMEMBRANCER_TSA_URL',
      },
    );
  }
  return outcome;
}

export interface TimestampRunResult {
  stamped: { id: string; added: number }[];
  failures: { id: string; reason: string }[];
  skipped: { id: string; reason: string }[];
  commit?: string;
}

export async function timestampRepository(
  repo: Repository,
  options: {
    ids: string[];
    missing: boolean;
    tsa?: string | undefined;
    commit: boolean;
    env?: NodeJS.ProcessEnv;
  },
): Promise<TimestampRunResult> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const tsas = resolveTsas(config, options.tsa, options.env);
  if (tsas.length === 0) {
    throw new RemembrancerError('USAGE', 'no Time-Stamp Authority is configured', {
      fix: 'pass --tsa URL, set REMEMBRANCER_TSA_URL, or add {"name","url"} to "tsa" in .remembrancer/config.json',
    });
  }
  if (options.ids.length === 0 && !options.missing) {
    throw new RemembrancerError('USAGE', 'say which memories to timestamp', {
      fix: 'give memory ids, or --missing for every signature without a timestamp',
    });
  }
  const outcome = await transact(
    repo,
    {
      commit: options.commit,
      message: (r: TimestampRunResult) => `remembrancer: timestamp ${r.stamped.length} memories`,
    },
    async (tx) => {
      // Named memories are read alone; --missing has to look at every one.
      const targets =
        options.ids.length > 0
          ? await Promise.all(options.ids.map((id) => readByPrefix(snapshot, id)))
          : (await loadMemories(snapshot)).memories.filter((m) =>
              m.envelope.signatures.some((s) =>
                tsas.some((t) => !(s.timestamps ?? []).some((x) => x.tsa === t.name)),
              ),
            );
      const result: TimestampRunResult = { stamped: [], failures: [], skipped: [] };
      for (const memory of targets) {
        if (memory.envelope.signatures.length === 0) {
          result.skipped.push({
            id: memory.id,
            reason: 'unsigned: a timestamp vouches for a signature',
          });
          continue;
        }
        const stamped = await stampMemory(memory, tsas);
        for (const f of stamped.failures) result.failures.push({ id: memory.id, reason: f });
        if (stamped.added > 0) {
          await tx.writeMemory(stamped.memory);
          result.stamped.push({ id: memory.id, added: stamped.added });
        } else if (stamped.failures.length === 0) {
          result.skipped.push({ id: memory.id, reason: 'already timestamped by every TSA' });
        }
      }
      return result;
    },
  );
  return { ...outcome.result, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}
