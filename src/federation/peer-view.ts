/**
 * What an external peer brings is never written into our .remembrancer/, yet it can be
 * read: the memories of it that pass validation are kept in a view under the git
 * directory (.git/remembrancer/peers/<name>/), laid out like a repository's memory so that
 * the same catalog, search index and readers work on it unchanged.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { serializeEnvelope, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import { REM_DIR } from '../ground/paths.js';
import { findPeer, readFederationStatus, readPeers } from './peers.js';
import { cacheDir, type Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';

export function peerView(repo: Repository, peer: string): Repository {
  const root = join(cacheDir(repo), 'peers', peer);
  return { root, gitdir: join(root, 'git'), remDir: join(root, REM_DIR) };
}

export async function writeToView(view: Repository, memories: Memory[]): Promise<void> {
  for (const memory of memories) {
    const path = join(view.remDir, memory.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, serializeEnvelope(memory.envelope));
  }
  await mkdir(view.gitdir, { recursive: true });
}

/**
 * The memories to read for `--peer NAME`: an external peer's view. A core peer's
 * memories are imported, so they are read in our own memory.
 */
export async function openPeerView(repo: Repository, name: string): Promise<Repository> {
  const peer = findPeer(await readPeers(new WorkingTreeSnapshot(repo.remDir)), name);
  if (peer.tier === 'core') {
    throw new RemembrancerError(
      'USAGE',
      `peer "${name}" is a core peer: what it brings is imported into this repository's memory`,
      { fix: 'drop --peer; --peer reads external peers, which are never imported' },
    );
  }
  const view = peerView(repo, name);
  if (!existsSync(view.gitdir) || !readFederationStatus(repo)[name]?.lastSuccess) {
    throw new RemembrancerError('USAGE', `peer "${name}" has not been fetched yet`, {
      fix: `run \`remembrancer federation sync ${name}\` first`,
    });
  }
  return view;
}
