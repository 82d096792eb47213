/** Adding and removing trust anchors: `trust add`, `trust remove`, `key generate --trust`. */
import { readFile } from 'node:fs/promises';
import { describeKey, readPublicKey, type KeyInfo } from '../crypto/openpgp.js';
import { describeSecretKey, findSecretKey } from '../crypto/secret-keys.js';
import { tsaNameFromUrl } from '../proof/timestamp.js';
import { RemembrancerError } from '../ground/errors.js';
import { REM_DIR, repoRelative, TRUST_TSA_DIR, trustKeyPath } from '../ground/paths.js';
import { requireConfig } from '../store/config.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { transact } from '../store/transaction.js';
import { TrustStore } from './trust.js';
import type { Signer } from '../crypto/signer.js';
import { buildRevocation } from '../memory/memory-types.js';
import { recordMemory, type RecordResult } from '../record/record.js';
import { loadMemories } from '../store/store.js';
import { checkAllSignatures } from '../proof/provenance.js';

/**
 * The memories of the working tree that one of `fingerprints` signs validly, and of those
 * the ones no other trusted key signs: what removing their trust would fail.
 */
export async function memoriesSignedBy(
  snapshot: WorkingTreeSnapshot,
  trust: TrustStore,
  fingerprints: string[],
): Promise<{ signed: string[]; only: string[] }> {
  const wanted = new Set(fingerprints);
  const { memories } = await loadMemories(snapshot);
  const candidates = memories.filter((m) =>
    m.envelope.signatures.some((sig) => wanted.has(sig.keyid)),
  );
  const statuses = await checkAllSignatures(candidates, trust);
  const signed: string[] = [];
  const only: string[] = [];
  for (const m of candidates) {
    const valid = (statuses.get(m.id) ?? []).filter((s) => s.state === 'valid');
    if (!valid.some((s) => wanted.has(s.keyid))) continue;
    signed.push(repoRelative(m.path));
    if (valid.every((s) => wanted.has(s.keyid))) only.push(repoRelative(m.path));
  }
  return { signed: signed.sort(), only: only.sort() };
}

function revokeInstead(fingerprint: string): string {
  return `revoke it instead, which keeps its earlier timestamped signatures valid: remembrancer trust revoke ${fingerprint.slice(-16)} --reason "…"`;
}

export interface TrustChange {
  keys: (KeyInfo & { status: 'added' | 'already trusted' })[];
  commit?: string;
}

export async function readKeyFile(file: string): Promise<KeyInfo> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new RemembrancerError('FILE_NOT_FOUND', 'cannot read the key file', {
      file,
      fix: 'check the path; export a key with `gpg --armor --export KEYID > key.asc`',
    });
  }
  return describeKey(await readPublicKey(bytes, file));
}

export async function addTrustAnchors(
  repo: Repository,
  files: string[],
  commit: boolean,
): Promise<TrustChange> {
  const infos: KeyInfo[] = [];
  for (const file of files) infos.push(await readKeyFile(file));
  return trustKeys(repo, infos, commit);
}

/** Trusts keys given as armoured text (a signer's own public key). */
export async function addTrustAnchorsArmored(
  repo: Repository,
  armored: string[],
  commit: boolean,
): Promise<TrustChange> {
  const infos: KeyInfo[] = [];
  for (const text of armored) infos.push(await describeKey(await readPublicKey(text)));
  return trustKeys(repo, infos, commit);
}

async function trustKeys(
  repo: Repository,
  infos: KeyInfo[],
  commit: boolean,
): Promise<TrustChange> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  const trust = await TrustStore.load(snapshot);
  const keys = infos.map((info) => ({
    ...info,
    status: trust.has(info.fingerprint) ? ('already trusted' as const) : ('added' as const),
  }));
  const outcome = await transact(
    repo,
    {
      commit,
      message: () =>
        `remembrancer: trust ${keys
          .filter((k) => k.status === 'added')
          .map((k) => `${k.fingerprint.slice(-16)} (${k.userIds[0] ?? 'no user id'})`)
          .join(', ')}`,
    },
    async (tx) => {
      for (const key of keys) {
        if (key.status === 'added')
          await tx.write(`${REM_DIR}/${trustKeyPath(key.fingerprint)}`, key.armored);
      }
    },
  );
  return { keys, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}

/** Finds a trusted key by fingerprint, or by a unique suffix of at least 8 hex digits. */
export function matchFingerprint(
  trust: TrustStore,
  wanted: string,
  among: Iterable<string> = trust.anchors.map((k) => k.fingerprint),
): string {
  const needle = wanted.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]{8,40}$/.test(needle)) {
    throw new RemembrancerError('USAGE', `"${wanted}" is not a fingerprint`, {
      fix: 'give the fingerprint (or its last 8+ hex digits) as `remembrancer trust list` shows it',
    });
  }
  const matches = [...among].filter(
    (f) => f === needle || f.endsWith(needle) || f.startsWith(needle),
  );
  if (matches.length === 0) {
    throw new RemembrancerError('KEY_NOT_FOUND', `no trust anchor matches ${needle}`, {
      exitCode: 1,
      fix: 'see `remembrancer trust list`',
    });
  }
  if (matches.length > 1) {
    throw new RemembrancerError(
      'KEY_AMBIGUOUS',
      `${needle} matches ${matches.length} trust anchors`,
      {
        fix: 'give the whole fingerprint',
      },
    );
  }
  return matches[0] as string;
}

export async function removeTrustAnchor(
  repo: Repository,
  wanted: string,
  commit: boolean,
): Promise<{ fingerprint: string; userIds: string[]; commit?: string }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  const trust = await TrustStore.load(snapshot);
  const fingerprint = matchFingerprint(trust, wanted);
  const userIds = (trust.get(fingerprint)?.key.getUserIDs() ?? []) as string[];
  // Distrusting a key that still signs memories would fail each of them at the next
  // covenant: the history stays valid only through a revocation, which dates the loss.
  const { only } = await memoriesSignedBy(snapshot, trust, [fingerprint]);
  if (only.length > 0) {
    throw new RemembrancerError(
      'TRUST_ANCHOR_REMOVED',
      `${fingerprint} is the only trusted signer of ${only.length} memor${only.length === 1 ? 'y' : 'ies'} (${only[0]}${only.length > 1 ? ', …' : ''}); removing it would fail them`,
      { fix: revokeInstead(fingerprint) },
    );
  }
  const outcome = await transact(
    repo,
    { commit, message: () => `remembrancer: distrust ${fingerprint.slice(-16)}` },
    async (tx) => tx.remove(`${REM_DIR}/${trustKeyPath(fingerprint)}`),
  );
  return { fingerprint, userIds, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}

export interface TsaRootChange {
  name: string;
  subjects: string[];
  status: 'added' | 'already trusted';
  commit?: string;
}

/** `trust add-tsa`: a TSA root certificate under trust/tsa/<name>.pem. */
export async function addTsaRoot(
  repo: Repository,
  file: string,
  name: string | undefined,
  commit: boolean,
): Promise<TsaRootChange> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new RemembrancerError('FILE_NOT_FOUND', 'cannot read the certificate file', {
      file,
      fix: 'pass the TSA root certificate in PEM or DER form',
    });
  }
  const secret = findSecretKey(bytes);
  if (secret) {
    throw new RemembrancerError('KEY_IS_PRIVATE', `the file holds ${describeSecretKey(secret)}`, {
      file,
      fix: 'pass only the certificate; private keys never enter the repository',
    });
  }
  const { parseCertificates, certificateName, certificateToPem } =
    await import('../crypto/rfc3161.js');
  let certs;
  try {
    certs = await parseCertificates(bytes);
  } catch (err) {
    throw new RemembrancerError(
      'KEY_UNREADABLE',
      `not an X.509 certificate (${(err as Error).message})`,
      {
        file,
        fix: 'pass the TSA root certificate in PEM or DER form',
      },
    );
  }
  const subjects = certs.map(certificateName);
  const chosen =
    name ?? tsaNameFromUrl(`http://${(subjects[0] ?? 'tsa').replace(/\s+/g, '-').toLowerCase()}`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(chosen)) {
    throw new RemembrancerError('USAGE', `"${chosen}" cannot name a TSA root`, {
      fix: 'use letters, digits, dot, dash and underscore (--name)',
    });
  }
  const pem = certs.map(certificateToPem).join('');
  const path = `${REM_DIR}/${TRUST_TSA_DIR}/${chosen}.pem`;
  const trust = await TrustStore.load(snapshot);
  if (trust.tsaRoots.get(chosen)?.pem === pem)
    return { name: chosen, subjects, status: 'already trusted' };
  const outcome = await transact(
    repo,
    { commit, message: () => `remembrancer: trust TSA root ${chosen} (${subjects[0] ?? ''})` },
    async (tx) => tx.write(path, pem),
  );
  return {
    name: chosen,
    subjects,
    status: 'added',
    ...(outcome.commit ? { commit: outcome.commit } : {}),
  };
}

export async function removeTsaRoot(
  repo: Repository,
  name: string,
  commit: boolean,
): Promise<{ name: string; commit?: string }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  const trust = await TrustStore.load(snapshot);
  const root = trust.tsaRoots.get(name);
  if (!root) {
    throw new RemembrancerError('KEY_NOT_FOUND', `no TSA root is named ${name}`, {
      exitCode: 1,
      fix: 'see `remembrancer trust list`',
    });
  }
  const outcome = await transact(
    repo,
    { commit, message: () => `remembrancer: distrust TSA root ${name}` },
    async (tx) => tx.remove(`${REM_DIR}/${root.path}`),
  );
  return { name, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}

/**
 * `trust revoke`: a signed revocation memory. Any key this node trusts (an anchor or a
 * key trusted for a peer) can be revoked; the revocation counts when the revoked key
 * itself or one of this node's own anchors signs it.
 */
export async function revokeKey(
  repo: Repository,
  wanted: string,
  options: { reason?: string | undefined; signer?: Signer | undefined; commit: boolean },
): Promise<RecordResult & { fingerprint: string }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const trust = await TrustStore.load(snapshot);
  const fingerprint = matchFingerprint(trust, wanted, trust.keys.keys());
  if (!options.reason?.trim()) {
    const { signed } = await memoriesSignedBy(snapshot, trust, [fingerprint]);
    if (signed.length > 0) {
      throw new RemembrancerError(
        'USAGE',
        `${fingerprint} signs ${signed.length} memor${signed.length === 1 ? 'y' : 'ies'} here; revoking it needs a reason, recorded with the revocation`,
        { fix: `say why: remembrancer trust revoke ${fingerprint.slice(-16)} --reason "…"` },
      );
    }
  }
  const signer = options.signer;
  if (signer && signer.fingerprint !== fingerprint && !trust.isAnchor(signer.fingerprint)) {
    throw new RemembrancerError(
      'SIGNATURE_UNTRUSTED',
      `key ${signer.fingerprint} may not revoke ${fingerprint}: only the key itself or a trust anchor of this node can`,
      {
        fix: 'sign the revocation with a key from `remembrancer trust list`, or with the revoked key',
      },
    );
  }
  const result = await recordMemory(
    repo,
    (origin) => buildRevocation(origin, fingerprint, options.reason),
    () => `remembrancer: revoke key ${fingerprint.slice(-16)}`,
    { signer, commit: options.commit },
  );
  return { ...result, fingerprint };
}
