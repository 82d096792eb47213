/** Adding and removing trust anchors: `trust add`, `trust remove`, `key generate --trust`. */
import { readFile } from 'node:fs/promises';
import { describeKey, readPublicKey, type KeyInfo } from '../crypto/openpgp.js';
import { RemembrancerError } from './errors.js';
import { REM_DIR, trustKeyPath } from './paths.js';
import { requireConfig } from './config.js';
import type { Repository } from './repository.js';
import { WorkingTreeSnapshot } from './snapshot.js';
import { transact } from './transaction.js';
import { TrustStore } from './trust.js';

export interface TrustChange {
  keys: (KeyInfo & { status: 'added' | 'already trusted' })[];
  commit?: string;
}

export async function readKeyFile(file: string): Promise<KeyInfo> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RemembrancerError('FILE_NOT_FOUND', 'cannot read the key file', {
      file,
      fix: 'check the path; export a key with `gpg --armor --export KEYID > key.asc`',
    });
  }
  return describeKey(await readPublicKey(text, file));
}

export async function addTrustAnchors(
  repo: Repository,
  files: string[],
  commit: boolean,
): Promise<TrustChange> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  const infos: KeyInfo[] = [];
  for (const file of files) infos.push(await readKeyFile(file));
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
export function matchFingerprint(trust: TrustStore, wanted: string): string {
  const needle = wanted.replace(/\s+/g, '').replace(/^0x/i, '').toUpperCase();
  if (!/^[0-9A-F]{8,40}$/.test(needle)) {
    throw new RemembrancerError('USAGE', `"${wanted}" is not a fingerprint`, {
      fix: 'give the fingerprint (or its last 8+ hex digits) as `remembrancer trust list` shows it',
    });
  }
  const matches = [...trust.keys.keys()].filter(
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
  const outcome = await transact(
    repo,
    { commit, message: () => `remembrancer: distrust ${fingerprint.slice(-16)}` },
    async (tx) => tx.remove(`${REM_DIR}/${trustKeyPath(fingerprint)}`),
  );
  return { fingerprint, userIds, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}
