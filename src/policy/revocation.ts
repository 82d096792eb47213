/**
 * Keys over time: a `revocation` memory says a key is not to be trusted from its `created`
 * moment on. A signature by a revoked key stays valid only where an RFC 3161 timestamp
 * proves it was made before the revocation. Covenant and federation judge alike here.
 */
import type { Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import type { RevocationBody } from '../memory/memory-types.js';
import { repoRelative } from '../ground/paths.js';
import type { SignatureStatus } from '../proof/provenance.js';
import type { TimestampStatus } from '../proof/time.js';
import type { TrustStore } from './trust.js';

export interface Revocation {
  fingerprint: string;
  /** When the key stopped being trusted (the revocation's `created`). */
  at: string;
  id: string;
  /** The key that signed the revocation. */
  by: string;
}

/**
 * The revocations that count: signed validly by the revoked key itself or by one of this
 * node's own trust anchors (a key trusted only for a peer may revoke only itself). The
 * earliest revocation of a key wins.
 */
export function collectRevocations(
  memories: Iterable<Memory>,
  statuses: (memory: Memory) => SignatureStatus[] | undefined,
  trust: TrustStore,
): Map<string, Revocation> {
  const found = new Map<string, Revocation>();
  for (const memory of memories) {
    if (memory.envelope.signed.type !== 'revocation') continue;
    const body = memory.envelope.signed.body as unknown as RevocationBody;
    const signer = (statuses(memory) ?? []).find(
      (s) => s.state === 'valid' && (s.keyid === body.fingerprint || trust.isAnchor(s.keyid)),
    );
    if (!signer) continue;
    const at = memory.envelope.signed.created;
    const known = found.get(body.fingerprint);
    if (!known || at < known.at || (at === known.at && memory.id < known.id)) {
      found.set(body.fingerprint, {
        fingerprint: body.fingerprint,
        at,
        id: memory.id,
        by: signer.keyid,
      });
    }
  }
  return found;
}

export interface RevocationVerdict {
  violations: RemembrancerError[];
  warnings: RemembrancerError[];
}

/**
 * Judges the signatures of one memory by revoked keys. `isNew` is true for memories this
 * change or this sync brings: they must prove their time; memories already kept before
 * only draw a warning when no timestamp proves they predate the revocation.
 */
export function judgeRevocations(
  memory: Memory,
  statuses: SignatureStatus[],
  stamps: TimestampStatus[],
  revocations: Map<string, Revocation>,
  isNew: boolean,
): RevocationVerdict {
  const verdict: RevocationVerdict = { violations: [], warnings: [] };
  if (revocations.size === 0) return verdict;
  const file = repoRelative(memory.path);
  for (const s of statuses) {
    if (s.state !== 'valid') continue;
    const revoked = revocations.get(s.keyid);
    if (!revoked) continue;
    // A key may always sign its own revocation.
    const body = memory.envelope.signed.body as unknown as Partial<RevocationBody>;
    if (memory.envelope.signed.type === 'revocation' && body.fingerprint === s.keyid) continue;
    const proven = stamps
      .filter((t) => t.ok && t.keyid === s.keyid && t.genTime !== undefined)
      .map((t) => t.genTime as string)
      .sort()[0];
    const when = `revoked at ${revoked.at} (revocation ${revoked.id.slice(0, 12)})`;
    if (proven !== undefined) {
      if (Date.parse(proven) < Date.parse(revoked.at)) continue;
      verdict.violations.push(
        new RemembrancerError(
          'SIGNATURE_REVOKED',
          `signed by key ${s.keyid} at ${proven} (timestamped), after it was ${when}`,
          {
            file,
            exitCode: 1,
            fix: 'remove this memory; have it signed again by a key still trusted',
          },
        ),
      );
    } else if (Date.parse(memory.envelope.signed.created) >= Date.parse(revoked.at)) {
      verdict.violations.push(
        new RemembrancerError(
          'SIGNATURE_REVOKED',
          `signed by key ${s.keyid}, created ${memory.envelope.signed.created}, after it was ${when}`,
          {
            file,
            exitCode: 1,
            fix: 'remove this memory; have it signed again by a key still trusted',
          },
        ),
      );
    } else if (isNew) {
      verdict.violations.push(
        new RemembrancerError(
          'SIGNATURE_REVOKED',
          `signed by key ${s.keyid}, ${when}, and no timestamp proves the signature is older`,
          {
            file,
            exitCode: 1,
            fix: 'only memories timestamped before a revocation are accepted; sign it again with a trusted key',
          },
        ),
      );
    } else {
      verdict.warnings.push(
        new RemembrancerError(
          'SIGNATURE_REVOKED',
          `signed by key ${s.keyid}, ${when}; no timestamp proves the signature is older`,
          {
            file,
            exitCode: 1,
            fix: 'timestamp memories (`remembrancer timestamp --missing`) so a later revocation cannot cast doubt on them',
          },
        ),
      );
    }
  }
  return verdict;
}
