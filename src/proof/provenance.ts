/**
 * Provenance (covenant 2): every signature verifies against a trusted key; `strict`
 * requires at least one, `permissive` accepts unsigned memories but never an invalid
 * signature. Verification is offline, against the trust anchors only.
 */
import { verifyDetached } from '../crypto/openpgp.js';
import { mapLimit } from '../ground/map-limit.js';
import { VerificationCache } from '../ground/verify-cache.js';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import type { Policy } from '../store/config.js';
import { repoRelative } from '../ground/paths.js';
import type { TrustStore } from '../policy/trust.js';

export type SignatureState = 'valid' | 'invalid' | 'untrusted';

export interface SignatureStatus {
  keyid: string;
  state: SignatureState;
  /** Why it is not valid. */
  reason?: string;
  /** The trusted key's first user id. */
  signer?: string;
  /** When the signature says it was made. */
  created?: string;
  /** Trusted, but not for the node the memory names (see TrustStore.bindingProblem). */
  unbound?: true;
}

export async function checkSignatures(
  memory: Memory,
  trust: TrustStore,
): Promise<SignatureStatus[]> {
  return Promise.all(
    memory.envelope.signatures.map(async (s): Promise<SignatureStatus> => {
      const anchor = trust.get(s.keyid);
      if (!anchor) {
        return {
          keyid: s.keyid,
          state: 'untrusted',
          reason: `key ${s.keyid} is not a trust anchor`,
        };
      }
      const unbound = trust.bindingProblem(s.keyid, memory.envelope.signed.node);
      if (unbound) return { keyid: s.keyid, state: 'untrusted', reason: unbound, unbound: true };
      const signer = anchor.key.getUserIDs()[0];
      const result = await verifyDetached(memory.signedBytes, s.sig, anchor.key);
      const extra = {
        ...(signer ? { signer } : {}),
        ...(result.created ? { created: result.created } : {}),
      };
      return result.ok
        ? { keyid: s.keyid, state: 'valid', ...extra }
        : {
            keyid: s.keyid,
            state: 'invalid',
            reason: result.reason ?? 'does not verify',
            ...extra,
          };
    }),
  );
}

/** Verifies every signature of many memories, spread over worker threads when there are many. */
export async function checkAllSignatures(
  memories: Memory[],
  trust: TrustStore,
  onProgress?: (done: number, total: number) => void,
  cache: VerificationCache = VerificationCache.disabled(),
): Promise<Map<string, SignatureStatus[]>> {
  const armored = new Map([...trust.keys].map(([fpr, k]) => [fpr, k.key.armor()]));
  const results = new Map<string, SignatureStatus[]>();
  let done = 0;
  // openpgp.js verifies through WebCrypto, asynchronously: a few dozen in flight keep
  // every core busy.
  await mapLimit(memories, 64, async (memory) => {
    const statuses: SignatureStatus[] = [];
    for (const s of memory.envelope.signatures) {
      const anchor = trust.get(s.keyid);
      if (!anchor) {
        statuses.push({
          keyid: s.keyid,
          state: 'untrusted',
          reason: `key ${s.keyid} is not a trust anchor`,
        });
        continue;
      }
      const unbound = trust.bindingProblem(s.keyid, memory.envelope.signed.node);
      if (unbound) {
        statuses.push({ keyid: s.keyid, state: 'untrusted', reason: unbound, unbound: true });
        continue;
      }
      const signer = anchor.key.getUserIDs()[0];
      const who = signer ? { signer } : {};
      const key = VerificationCache.signatureKey(
        armored.get(s.keyid) as string,
        memory.signedBytes,
        s.sig,
      );
      const known = cache.signature(key);
      if (known !== undefined) {
        statuses.push({ keyid: s.keyid, state: 'valid', ...who, created: known });
        continue;
      }
      const check = await verifyDetached(memory.signedBytes, s.sig, anchor.key);
      if (check.ok) {
        if (check.created) cache.addSignature(key, check.created);
        statuses.push({
          keyid: s.keyid,
          state: 'valid',
          ...who,
          ...(check.created ? { created: check.created } : {}),
        });
      } else {
        statuses.push({
          keyid: s.keyid,
          state: 'invalid',
          ...who,
          reason: check.reason ?? 'does not verify',
        });
      }
    }
    results.set(memory.id, statuses);
    onProgress?.(++done, memories.length);
  });
  return results;
}

export interface ProvenanceVerdict {
  violations: RemembrancerError[];
  warnings: RemembrancerError[];
}

export function judgeProvenance(
  memory: Memory,
  statuses: SignatureStatus[],
  policy: Policy,
): ProvenanceVerdict {
  const file = repoRelative(memory.path);
  const violations: RemembrancerError[] = [];
  const warnings: RemembrancerError[] = [];
  for (const s of statuses) {
    if (s.state === 'invalid') {
      violations.push(
        new RemembrancerError(
          'SIGNATURE_INVALID',
          `signature by ${s.keyid} is invalid: ${s.reason}`,
          {
            file,
            exitCode: 1,
            fix: 'the memory or its signature was altered; restore it from git',
          },
        ),
      );
    }
  }
  const untrusted = statuses.filter((s) => s.state === 'untrusted');
  const valid = statuses.filter((s) => s.state === 'valid');
  if (policy === 'strict' && valid.length === 0) {
    if (statuses.length === 0) {
      violations.push(
        new RemembrancerError('SIGNER_REQUIRED', 'unsigned memory under the strict policy', {
          file,
          exitCode: 1,
          fix: 'strict policy requires a trusted signature; remove it and record it again with --key or --gpg-key',
        }),
      );
    } else if (untrusted.some((s) => s.unbound)) {
      violations.push(
        new RemembrancerError(
          'SIGNATURE_UNTRUSTED',
          (untrusted.find((s) => s.unbound) as SignatureStatus).reason as string,
          {
            file,
            exitCode: 1,
            fix: "only keys trusted for a node sign in its name; a peer key is bound to the peer's node in peers.json",
          },
        ),
      );
    } else if (untrusted.length > 0) {
      violations.push(
        new RemembrancerError(
          'SIGNATURE_UNTRUSTED',
          `signed only by untrusted key ${untrusted.map((s) => s.keyid).join(', ')}`,
          {
            file,
            exitCode: 1,
            fix: 'trust the signer with `remembrancer trust add KEY.asc` in a separate change first',
          },
        ),
      );
    }
  } else if (untrusted.length > 0) {
    const unbound = untrusted.find((s) => s.unbound);
    warnings.push(
      new RemembrancerError(
        'SIGNATURE_UNTRUSTED',
        unbound
          ? `${unbound.reason as string}; not counted`
          : `signature by untrusted key ${untrusted.map((s) => s.keyid).join(', ')} not checked`,
        {
          file,
          exitCode: 1,
          fix: 'trust the signer with `remembrancer trust add KEY.asc` to check it',
        },
      ),
    );
  }
  const claimed = memory.envelope.signed.author.key;
  if (claimed !== undefined && !statuses.some((s) => s.keyid === claimed)) {
    violations.push(
      new RemembrancerError(
        'SIGNATURE_INVALID',
        `author names key ${claimed}, which did not sign it`,
        {
          file,
          exitCode: 1,
          fix: 'the signature was stripped or replaced; restore the memory from git',
        },
      ),
    );
  }
  return { violations, warnings };
}
