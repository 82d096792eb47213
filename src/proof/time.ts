/**
 * Time (covenant 3): every RFC 3161 token verifies against a trusted TSA root, covers the
 * SHA-256 of the signature it sits beside, and was issued no earlier than the memory says
 * it was created. Where the config requires it, every memory has at least one such token.
 */
import type { Config } from '../store/config.js';
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { repoRelative } from '../ground/paths.js';
import { mapLimit } from '../ground/map-limit.js';
import type { TrustStore } from '../policy/trust.js';
import { VerificationCache } from '../ground/verify-cache.js';

/** How far a TSA's clock may be behind the recording machine's. */
export const TIME_TOLERANCE_MS = 5 * 60_000;

export interface TimestampStatus {
  keyid: string;
  tsa: string;
  ok: boolean;
  reason?: string;
  /** The TSA's time, when the token verifies. */
  genTime?: string;
  /** Common name of the certificate that signed the token. */
  signer?: string;
}

export async function checkTimestamps(
  memory: Memory,
  trust: TrustStore,
  cache: VerificationCache = VerificationCache.disabled(),
): Promise<TimestampStatus[]> {
  const stamped = memory.envelope.signatures.filter((s) => (s.timestamps ?? []).length > 0);
  if (stamped.length === 0) return [];
  const { signatureBytes, TimestampError } = await import('../crypto/rfc3161.js');
  const verifier = await trust.tokenVerifier();
  const roots = [...trust.tsaRoots.values()]
    .map((r) => r.pem)
    .sort()
    .join('');
  const statuses: TimestampStatus[] = [];
  for (const signature of stamped) {
    let data: Uint8Array;
    try {
      data = await signatureBytes(signature.sig);
    } catch {
      for (const t of signature.timestamps ?? []) {
        statuses.push({
          keyid: signature.keyid,
          tsa: t.tsa,
          ok: false,
          reason: 'the signature it vouches for is unreadable',
        });
      }
      continue;
    }
    for (const t of signature.timestamps ?? []) {
      const key = VerificationCache.tokenKey(roots, t.token, data);
      const known = cache.token(key);
      if (known) {
        statuses.push({
          keyid: signature.keyid,
          tsa: t.tsa,
          ok: true,
          genTime: known.genTime,
          signer: known.signer,
        });
        continue;
      }
      try {
        const result = await verifier.verify(Buffer.from(t.token, 'base64'), data);
        cache.addToken(key, { genTime: result.genTime.toISOString(), signer: result.tsa });
        statuses.push({
          keyid: signature.keyid,
          tsa: t.tsa,
          ok: true,
          genTime: result.genTime.toISOString(),
          signer: result.tsa,
        });
      } catch (err) {
        if (!(err instanceof TimestampError)) throw err;
        statuses.push({ keyid: signature.keyid, tsa: t.tsa, ok: false, reason: err.message });
      }
    }
  }
  return statuses;
}

export async function checkAllTimestamps(
  memories: Memory[],
  trust: TrustStore,
  onProgress?: (done: number, total: number) => void,
  cache: VerificationCache = VerificationCache.disabled(),
): Promise<Map<string, TimestampStatus[]>> {
  const results = new Map<string, TimestampStatus[]>();
  const stamped = memories.filter((m) =>
    m.envelope.signatures.some((s) => (s.timestamps ?? []).length > 0),
  );
  let done = 0;
  await mapLimit(stamped, 16, async (memory) => {
    results.set(memory.id, await checkTimestamps(memory, trust, cache));
    onProgress?.(++done, stamped.length);
  });
  return results;
}

export function judgeTime(
  memory: Memory,
  statuses: TimestampStatus[],
  config: Pick<Config, 'requireTimestamp'> | undefined,
): RemembrancerError[] {
  const file = repoRelative(memory.path);
  const violations: RemembrancerError[] = [];
  const created = Date.parse(memory.envelope.signed.created);
  for (const s of statuses) {
    if (!s.ok) {
      violations.push(
        new RemembrancerError(
          'TIMESTAMP_INVALID',
          `timestamp from ${s.tsa} on the signature by ${s.keyid} is invalid: ${s.reason}`,
          {
            file,
            exitCode: 1,
            fix: 'restore the memory from git, or trust the TSA root with `remembrancer trust add-tsa CERT.pem`',
          },
        ),
      );
    } else if (s.genTime && created > Date.parse(s.genTime) + TIME_TOLERANCE_MS) {
      violations.push(
        new RemembrancerError(
          'TIMESTAMP_BEFORE_CREATED',
          `says it was created ${memory.envelope.signed.created}, after ${s.tsa} stamped it at ${s.genTime}`,
          {
            file,
            exitCode: 1,
            fix: 'the created time was forged or the clock was wrong; the memory cannot be trusted as dated',
          },
        ),
      );
    }
  }
  if (config?.requireTimestamp && !statuses.some((s) => s.ok)) {
    violations.push(
      new RemembrancerError(
        'TIMESTAMP_REQUIRED',
        'has no valid timestamp, and the config requires one',
        {
          file,
          exitCode: 1,
          fix: 'run `remembrancer timestamp --missing` with a reachable TSA',
        },
      ),
    );
  }
  return violations;
}
