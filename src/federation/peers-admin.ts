/** `federation add` and `federation remove`: peers.json and the keys trusted for each peer. */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireConfig } from '../store/config.js';
import { RemembrancerError } from '../ground/errors.js';
import { isKnownType, MEMORY_TYPES } from '../memory/schemas.js';
import { CONFIG_FILE, REM_DIR, repoRelative, TRUST_PEERS_DIR } from '../ground/paths.js';
import {
  DEFAULT_PEER_REF,
  findPeer,
  peerNameProblem,
  PEERS_FILE,
  peerKeyPath,
  readPeers,
  serializePeers,
  type Peer,
  type PeerTier,
} from './peers.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { transact } from '../store/transaction.js';
import { memoriesSignedBy, readKeyFile } from '../policy/trust-admin.js';
import { TrustStore } from '../policy/trust.js';
import { updateStatus } from './status.js';
import type { KeyInfo } from '../crypto/openpgp.js';
import { peerUrlProblem, redactUrl, refNameProblem, urlPassword } from '../git/peer-url.js';

export interface PeerInput {
  name: string;
  url: string;
  ref?: string | undefined;
  keyFiles: string[];
  scope: string[];
  tier?: PeerTier | undefined;
  /** The node name the peer records under; its name when absent. */
  node?: string | undefined;
}

/** "main" means refs/heads/main; anything already under refs/ is kept. */
export function normalizeRef(ref: string | undefined): string {
  if (ref === undefined || ref === '') return DEFAULT_PEER_REF;
  if (ref.startsWith('refs/')) return ref;
  return `refs/heads/${ref}`;
}

export async function addPeer(
  repo: Repository,
  input: PeerInput,
  commit: boolean,
): Promise<{ peer: Peer; keys: KeyInfo[]; commit?: string }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const config = await requireConfig(snapshot);
  const peers = await readPeers(snapshot);
  const file = repoRelative(PEERS_FILE);
  const nameProblem = peerNameProblem(input.name);
  if (nameProblem) {
    throw new RemembrancerError(
      'USAGE',
      `"${input.name}" is not a valid peer name: it ${nameProblem}`,
      {
        fix: 'use letters, digits, . _ - (up to 64 characters), starting with a letter or digit',
      },
    );
  }
  const existing = peers.find((p) => p.name === input.name);
  if (existing) {
    throw new RemembrancerError(
      'USAGE',
      `a peer named "${input.name}" already exists${existing.retired ? ' (retired)' : ''}`,
      {
        file,
        fix: existing.retired
          ? 'a retired peer keeps its name and keys to verify what it brought: add the peer under a new name'
          : `remove it first with \`remembrancer federation remove ${input.name}\``,
      },
    );
  }
  const url = input.url.trim();
  const urlProblem = url === '' ? 'is empty' : peerUrlProblem(url);
  if (urlProblem) {
    throw new RemembrancerError('USAGE', `peer URL "${redactUrl(input.url)}" ${urlProblem}`, {
      fix: 'give a path, file://, http(s)://, ssh:// or git:// URL, or [user@]host:path',
    });
  }
  if (urlPassword(url) !== undefined) {
    throw new RemembrancerError(
      'USAGE',
      'the URL holds a password, which would be committed in peers.json',
      { fix: 'drop the credentials from the URL and let a git credential helper supply them' },
    );
  }
  const ref = normalizeRef(input.ref);
  const refProblem = refNameProblem(ref);
  if (refProblem) {
    throw new RemembrancerError('USAGE', `"${input.ref}" is not a ref name: it ${refProblem}`, {
      fix: 'give a branch name such as main, or a full ref such as refs/heads/main',
    });
  }
  const node = input.node ?? input.name;
  const nodeProblem = peerNameProblem(node);
  if (nodeProblem) {
    throw new RemembrancerError('USAGE', `node name "${node}" ${nodeProblem}`, {
      fix: 'give the node name the peer records under (its config.json "node")',
    });
  }
  if (node === config.node) {
    throw new RemembrancerError('USAGE', `"${node}" is this node's own name`, {
      file: repoRelative(CONFIG_FILE),
      fix: 'a peer speaks for another node: give --node the name the peer records under',
    });
  }
  const unknown = input.scope.find((t) => !isKnownType(t));
  if (unknown !== undefined) {
    throw new RemembrancerError('USAGE', `"${unknown}" is not a memory type`, {
      fix: `scope takes memory types: ${MEMORY_TYPES.join(', ')}`,
    });
  }
  const keys: KeyInfo[] = [];
  for (const keyFile of input.keyFiles) {
    const info = await readKeyFile(keyFile);
    if (!keys.some((k) => k.fingerprint === info.fingerprint)) keys.push(info);
  }
  const peer: Peer = {
    name: input.name,
    node,
    url,
    ref,
    tier: input.tier ?? 'core',
    ...(input.scope.length > 0 ? { scope: [...new Set(input.scope)].sort() } : {}),
    keys: keys.map((k) => k.fingerprint).sort(),
  };
  const outcome = await transact(
    repo,
    {
      commit,
      message: () => `remembrancer: federate with ${peer.name} (${redactUrl(peer.url)})`,
    },
    async (tx) => {
      await tx.write(`${REM_DIR}/${PEERS_FILE}`, serializePeers([...peers, peer]));
      for (const key of keys)
        await tx.write(`${REM_DIR}/${peerKeyPath(peer.name, key.fingerprint)}`, key.armored);
    },
  );
  return { peer, keys, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}

/**
 * `federation remove`: a peer whose keys are the only trusted signers of memories it
 * brought is retired, not removed: it is never synced again, but its keys and node binding
 * stay, so those memories keep verifying (dropping the keys would fail each of them at the
 * next covenant). A peer nothing relies on is removed with its keys.
 */
export async function removePeer(
  repo: Repository,
  name: string,
  commit: boolean,
): Promise<{ peer: Peer; retired: string[]; commit?: string }> {
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  await requireConfig(snapshot);
  const peers = await readPeers(snapshot);
  const peer = findPeer(peers, name);
  const keyFiles = (await snapshot.list(`${TRUST_PEERS_DIR}/${name}/`)).map((e) => e.path);
  const { only } = await memoriesSignedBy(snapshot, await TrustStore.load(snapshot), peer.keys);
  const retire = only.length > 0;
  if (retire && peer.retired) {
    throw new RemembrancerError(
      'TRUST_ANCHOR_REMOVED',
      `peer "${name}" is already retired: its keys are the only trusted signers of ${only.length} memor${only.length === 1 ? 'y' : 'ies'} (${only[0]}${only.length > 1 ? ', …' : ''})`,
      {
        file: repoRelative(PEERS_FILE),
        fix: `it is no longer synced; to distrust its keys too, revoke each: remembrancer trust revoke FINGERPRINT --reason "…"`,
      },
    );
  }
  const outcome = await transact(
    repo,
    {
      commit,
      message: () =>
        retire ? `remembrancer: retire peer ${name}` : `remembrancer: stop federating with ${name}`,
    },
    async (tx) => {
      const kept = retire
        ? peers.map((p): Peer => (p.name === name ? { ...p, retired: true } : p))
        : peers.filter((p) => p.name !== name);
      await tx.write(`${REM_DIR}/${PEERS_FILE}`, serializePeers(kept));
      if (!retire) for (const path of keyFiles) await tx.remove(`${REM_DIR}/${path}`);
    },
  );
  await forgetPeerRefs(repo, name);
  await updateStatus(repo, name, null);
  return { peer, retired: only, ...(outcome.commit ? { commit: outcome.commit } : {}) };
}

/** Drops refs/remembrancer/peers/<name>/…, so the peer's objects can be collected by gc. */
async function forgetPeerRefs(repo: Repository, name: string): Promise<void> {
  const dir = join(repo.gitdir, 'refs', 'remembrancer', 'peers', name);
  await rm(dir, { recursive: true, force: true });
  // Packed refs of that peer, if `git pack-refs` ran.
  const packed = join(repo.gitdir, 'packed-refs');
  let text: string;
  try {
    text = await readFile(packed, 'utf8');
  } catch {
    return;
  }
  const prefix = ` refs/remembrancer/peers/${name}/`;
  const lines = text.split('\n');
  const kept = lines.filter((line, i) => {
    if (line.includes(prefix)) return false;
    // a peeled line (^oid) belongs to the line before it
    return !(line.startsWith('^') && (lines[i - 1] ?? '').includes(prefix));
  });
  if (kept.length !== lines.length) await writeFile(packed, kept.join('\n'));
}
