/**
 * Checking an evidence bundle offline, outside any repository: ids, signatures, timestamps
 * and the inclusion proof, each failure naming the part of the bundle that is wrong.
 * Keys and TSA roots come from the caller when given (--trust, --tsa-root); otherwise from
 * the bundle itself, which is said plainly: a bundle cannot vouch for its own keys.
 */
import { readPublicKey, type PublicKey } from '../crypto/openpgp.js';
import { BUNDLE_FORMAT } from './bundle.js';
import { toMemory, type Envelope, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { InclusionProofError, leafHash, verifyInclusion } from './merkle.js';
import { isSeal, sealBody, summarize } from '../memory/memory-types.js';
import { checkSignatures, type SignatureStatus } from './provenance.js';
import { checkTimestamps, judgeTime, type TimestampStatus } from './time.js';
import { TrustStore, type TrustedTsa } from '../policy/trust.js';

export interface BundleFailure {
  part: string;
  message: string;
}

export interface BundleVerdict {
  ok: boolean;
  memory: { id: string; type: string; created: string; summary: string } | null;
  seal: { id: string; created: string; root: string; treeSize: number; leafIndex: number } | null;
  signatures: { memory: SignatureStatus[]; seal: SignatureStatus[] };
  timestamps: { memory: TimestampStatus[]; seal: TimestampStatus[] };
  /** Whether keys and TSA roots were pinned by the caller or taken from the bundle. */
  keysFrom: 'caller' | 'bundle';
  tsaRootsFrom: 'caller' | 'bundle';
  failures: BundleFailure[];
}

export interface BundleTrust {
  keys?: PublicKey[];
  tsaRoots?: TrustedTsa[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asMemory(value: unknown, part: string, failures: BundleFailure[]): Memory | undefined {
  try {
    return toMemory(value as Envelope);
  } catch (err) {
    failures.push({
      part,
      message: err instanceof RemembrancerError ? err.message : `is not a memory envelope`,
    });
    return undefined;
  }
}

export async function verifyBundle(
  bundle: unknown,
  trustIn: BundleTrust = {},
): Promise<BundleVerdict> {
  const failures: BundleFailure[] = [];
  const verdict: BundleVerdict = {
    ok: false,
    memory: null,
    seal: null,
    signatures: { memory: [], seal: [] },
    timestamps: { memory: [], seal: [] },
    keysFrom: trustIn.keys ? 'caller' : 'bundle',
    tsaRootsFrom: trustIn.tsaRoots ? 'caller' : 'bundle',
    failures,
  };
  if (!isObject(bundle) || bundle['format'] !== BUNDLE_FORMAT) {
    failures.push({ part: 'format', message: `not a ${BUNDLE_FORMAT} bundle` });
    return verdict;
  }

  // The memory and the seal: well-formed, and the ids they claim are theirs.
  const memory = asMemory(bundle['memory'], 'memory', failures);
  const seal = asMemory(bundle['seal'], 'seal', failures);
  // Whether the memory or only its label is wrong shows in the inclusion proof below: a
  // memory that still hashes into the sealed tree is intact, and the memoryId is what lies.
  const idMismatch = memory !== undefined && bundle['memoryId'] !== memory.id;
  let idReported = false;
  const reportIdMismatch = (intact: boolean) => {
    if (!idMismatch || !memory || idReported) return;
    idReported = true;
    failures.push(
      intact
        ? {
            part: 'memoryId',
            message: `is ${String(bundle['memoryId'])}, but the memory hashes to ${memory.id}`,
          }
        : {
            part: 'memory',
            message: `hashes to ${memory.id}, not to the memoryId ${String(bundle['memoryId'])}: it was altered`,
          },
    );
  };
  if (seal && bundle['sealId'] !== seal.id) {
    failures.push({
      part: 'seal',
      message: `hashes to ${seal.id}, not to the sealId ${String(bundle['sealId'])}: it was altered`,
    });
  }
  if (seal && !isSeal(seal)) failures.push({ part: 'seal', message: 'is not a seal memory' });
  if (memory) {
    verdict.memory = {
      id: memory.id,
      type: memory.envelope.signed.type,
      created: memory.envelope.signed.created,
      summary: summarize(memory),
    };
  }

  // The inclusion proof, against the seal's root and tree size.
  const inclusion = bundle['inclusion'];
  if (memory && seal && isSeal(seal)) {
    const body = sealBody(seal);
    if (!isObject(inclusion) || !Array.isArray(inclusion['hashes'])) {
      failures.push({ part: 'inclusion', message: 'is missing or malformed' });
    } else {
      const hashes = inclusion['hashes'] as unknown[];
      const leafIndex = inclusion['leafIndex'];
      const treeSize = inclusion['treeSize'];
      verdict.seal = {
        id: seal.id,
        created: seal.envelope.signed.created,
        root: body.root,
        treeSize: body.treeSize,
        leafIndex: typeof leafIndex === 'number' ? leafIndex : -1,
      };
      if (treeSize !== body.treeSize) {
        failures.push({
          part: 'inclusion.treeSize',
          message: `is ${String(treeSize)}, but the seal covers ${body.treeSize}`,
        });
      } else if (!hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
        failures.push({
          part: 'inclusion.hashes',
          message: 'every hash is 64 lower-case hex digits',
        });
      } else {
        try {
          verifyInclusion(
            leafHash(Buffer.from(memory.id, 'hex')),
            leafIndex as number,
            body.treeSize,
            (hashes as string[]).map((h) => Buffer.from(h, 'hex')),
            Buffer.from(body.root, 'hex'),
          );
          reportIdMismatch(true);
        } catch (err) {
          if (!(err instanceof InclusionProofError)) throw err;
          if (idMismatch) reportIdMismatch(false);
          else
            failures.push({
              part: 'inclusion',
              message: `does not lead to the seal's root: ${err.message}`,
            });
        }
      }
    }
  }

  reportIdMismatch(false); // the proof was not reached: the memory itself is suspect

  // Whose keys and which TSA roots.
  let keys: PublicKey[] = trustIn.keys ?? [];
  if (!trustIn.keys) {
    const bundled = bundle['keys'];
    if (!isObject(bundled)) failures.push({ part: 'keys', message: 'is missing' });
    else {
      for (const [fingerprint, armored] of Object.entries(bundled)) {
        try {
          const key = await readPublicKey(String(armored));
          if (key.getFingerprint().toUpperCase() !== fingerprint) {
            failures.push({
              part: `keys.${fingerprint}`,
              message: `holds key ${key.getFingerprint().toUpperCase()}`,
            });
          } else keys = [...keys, key];
        } catch (err) {
          failures.push({
            part: `keys.${fingerprint}`,
            message: err instanceof RemembrancerError ? err.message : 'is not a public key',
          });
        }
      }
    }
  }
  let roots: TrustedTsa[] = trustIn.tsaRoots ?? [];
  if (!trustIn.tsaRoots && isObject(bundle['tsaRoots'])) {
    roots = Object.entries(bundle['tsaRoots']).map(([name, pem]) => ({
      name,
      path: `bundle:${name}`,
      pem: String(pem),
    }));
  }
  const trust = TrustStore.of(keys, roots);

  // Signatures and timestamps of both.
  for (const [part, m] of [
    ['memory', memory],
    ['seal', seal],
  ] as const) {
    if (!m) continue;
    const statuses = await checkSignatures(m, trust);
    verdict.signatures[part] = statuses;
    statuses.forEach((s) => {
      if (s.state !== 'valid')
        failures.push({ part: `${part}.signatures[${s.keyid}]`, message: s.reason ?? s.state });
    });
    if (!statuses.some((s) => s.state === 'valid')) {
      failures.push({
        part: `${part}.signatures`,
        message: 'has no valid signature by a trusted key',
      });
    }
    let stamps: TimestampStatus[] = [];
    try {
      stamps = await checkTimestamps(m, trust);
    } catch (err) {
      failures.push({ part: `${part}.timestamps`, message: (err as Error).message });
    }
    verdict.timestamps[part] = stamps;
    for (const problem of judgeTime(m, stamps, undefined)) {
      failures.push({ part: `${part}.signatures.timestamps`, message: problem.message });
    }
  }
  verdict.ok = failures.length === 0;
  return verdict;
}
