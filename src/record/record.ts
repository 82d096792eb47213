/**
 * Recording a memory: build `signed`, sign its canonical bytes, check the result as a
 * reader would, write it in a transaction. Used by every command that adds a memory.
 */
import type { Signer } from '../crypto/signer.js';
import { gitIdentity } from '../git/identity.js';
import { canonicalBytes } from '../ground/canonical-json.js';
import { requireConfig, type Config } from '../store/config.js';
import { toMemory, type Author, type Memory, type Signed } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import type { Origin } from '../memory/memory-types.js';
import { stampNew } from '../proof/timestamp.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { transact, type MemoryWrite, type Transaction } from '../store/transaction.js';
import { TrustStore } from '../policy/trust.js';

export interface RecordOptions {
  signer?: Signer | undefined;
  /** Commit (default) or only stage. */
  commit: boolean;
  created?: Date;
}

export interface RecordResult {
  memory: Memory;
  write: MemoryWrite;
  commit?: string;
  paths: string[];
  warnings: string[];
}

/**
 * Checks that recording is allowed before anything is built: the strict policy needs a
 * signer, and the signer should be a trust anchor or the covenant will reject its work.
 */
export async function prepareSigning(
  repo: Repository,
  signer: Signer | undefined,
): Promise<{ config: Config; author: Author; trust: TrustStore; warnings: string[] }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const trust = await TrustStore.load(snapshot);
  const warnings: string[] = [];
  if (!signer) {
    if (config.policy === 'strict') {
      throw new RemembrancerError(
        'SIGNER_REQUIRED',
        'the strict policy requires a signature and no signing key is set',
        {
          fix: 'pass --key FILE or --gpg-key ID, set REMEMBRANCER_KEY, or run `remembrancer key generate --trust`',
        },
      );
    }
    warnings.push('recording unsigned: no signing key is set (the permissive policy allows it)');
    const { author } = await gitIdentity(repo);
    return { config, author: { name: author.name, email: author.email }, trust, warnings };
  }
  if (!trust.has(signer.fingerprint)) {
    const message = `signing key ${signer.fingerprint} is not a trust anchor of this repository`;
    if (config.policy === 'strict') {
      throw new RemembrancerError('SIGNATURE_UNTRUSTED', message, {
        fix: 'trust it first with `remembrancer trust add PUBLIC.asc` (or `key generate --trust` for a new key)',
      });
    }
    warnings.push(`${message}; the covenant will not count its signature`);
  }
  return {
    config,
    author: { name: signer.identity.name, email: signer.identity.email, key: signer.fingerprint },
    trust,
    warnings,
  };
}

/** Signs `signed` (if there is a signer) and returns the checked memory. */
export async function signMemory(
  signed: Signed<unknown>,
  signer: Signer | undefined,
): Promise<Memory> {
  const signatures = signer
    ? [{ keyid: signer.fingerprint, sig: await signer.sign(canonicalBytes(signed)) }]
    : [];
  return toMemory({ signed, signatures });
}

export async function recordMemory(
  repo: Repository,
  build: (origin: Origin) => Signed<unknown>,
  message: (memory: Memory) => string,
  options: RecordOptions,
  extra?: (tx: Transaction, memory: Memory) => Promise<void>,
): Promise<RecordResult> {
  const { config, author, trust, warnings } = await prepareSigning(repo, options.signer);
  const signed = build({
    node: config.node,
    author,
    ...(options.created ? { created: options.created } : {}),
  });
  const stamped = await stampNew(await signMemory(signed, options.signer), config, trust);
  for (const failure of stamped.failures) warnings.push(`timestamp: ${failure}`);
  const memory = stamped.memory;
  const outcome = await transact(
    repo,
    { commit: options.commit, message: () => message(memory), fallbackIdentity: author },
    async (tx) => {
      const write = await tx.writeMemory(memory);
      if (extra) await extra(tx, memory);
      return write;
    },
  );
  return {
    memory,
    write: outcome.result,
    ...(outcome.commit ? { commit: outcome.commit } : {}),
    paths: outcome.paths,
    warnings,
  };
}
