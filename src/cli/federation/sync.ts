import { RemembrancerError } from '../../ground/errors.js';
import { syncPeer, type SyncOutcome } from '../../federation/sync.js';
import { findPeer, readPeers, type Peer } from '../../federation/peers.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface FederationSyncOptions extends GlobalOptions, SigningOptions {
  name?: string;
  all: boolean;
  dryRun: boolean;
  timeout?: number;
  commit: boolean;
  json: boolean;
}

function choose(peers: Peer[], options: FederationSyncOptions): Peer[] {
  if (options.name !== undefined && options.all) {
    throw new RemembrancerError('USAGE', 'give a peer name or --all, not both', {
      fix: 'run `remembrancer federation sync NAME` or `remembrancer federation sync --all`',
    });
  }
  if (options.name !== undefined) {
    const peer = findPeer(peers, options.name);
    if (peer.retired) {
      throw new RemembrancerError('USAGE', `peer "${peer.name}" is retired and is not synced`, {
        file: '.remembrancer/peers.json',
        fix: 'its keys stay only to verify what it brought; to federate again, add it under a new name with `federation add`',
      });
    }
    return [peer];
  }
  peers = peers.filter((p) => !p.retired);
  if (peers.length === 0) {
    throw new RemembrancerError('USAGE', 'this node has no peers', {
      fix: 'add one with `remembrancer federation add NAME URL --key KEY.asc`',
    });
  }
  if (options.all || peers.length === 1) return peers;
  throw new RemembrancerError('USAGE', `which peer? this node has ${peers.length}`, {
    fix: `name one (${peers.map((p) => p.name).join(', ')}) or pass --all`,
  });
}

function describe(io: IO, o: SyncOutcome): void {
  const counts = [
    `${o.accepted.length} accepted`,
    ...(o.updated.length > 0 ? [`${o.updated.length} gained signatures`] : []),
    `${o.rejected.length} rejected`,
    ...(o.ignored > 0 ? [`${o.ignored} out of scope`] : []),
  ].join(', ');
  const state =
    o.status === 'merged'
      ? io.c.green('merged')
      : o.status === 'up-to-date'
        ? io.c.dim('up to date')
        : o.status === 'read-only'
          ? io.c.cyan('fetched (external: nothing imported)')
          : io.c.yellow('dry run: nothing written');
  io.out(
    `${io.c.bold(o.peer)} ${state}: ${counts} ${io.c.dim(`(peer at ${o.peerCommit.slice(0, 7)})`)}`,
  );
  for (const r of o.rejected) io.out(`  ${io.c.red('rejected')} ${r.path}: ${r.reason}`);
  if (o.receipt)
    io.out(
      io.c.dim(
        `  receipt ${o.receipt.slice(0, 12)}; merged root ${o.merged.root.slice(0, 16)}… over ${o.merged.treeSize}`,
      ),
    );
  if (o.commit) io.out(io.c.dim(`  committed ${o.commit.slice(0, 7)}`));
  for (const w of o.warnings) io.warn(w);
}

export async function run(options: FederationSyncOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const peers = choose(await readPeers(new WorkingTreeSnapshot(repo.remDir)), options);
  const key =
    peers.some((p) => p.tier === 'core') && !options.dryRun ? await signer(io, options) : undefined;
  const results: (
    SyncOutcome | { peer: string; error: { code: string; message: string; fix: string | null } }
  )[] = [];
  let failed = 0;
  for (const peer of peers) {
    try {
      const outcome = await syncPeer(repo, peer, {
        signer: key,
        commit: options.commit,
        dryRun: options.dryRun,
        ...(options.timeout ? { timeoutMs: options.timeout * 1000 } : {}),
      });
      results.push(outcome);
      if (!options.json) describe(io, outcome);
    } catch (err) {
      // One peer failing never stops the others; usage errors stop everything.
      if (!(err instanceof RemembrancerError) || err.exitCode === 2 || peers.length === 1)
        throw err;
      failed++;
      results.push({
        peer: peer.name,
        error: { code: err.code, message: err.message, fix: err.fix ?? null },
      });
      if (!options.json) io.error(err);
    }
  }
  if (options.json) io.json({ peers: results });
  // Rejections are a verdict on what a peer sent: a script or CI must see them.
  const rejected = results.reduce((n, r) => n + ('rejected' in r ? r.rejected.length : 0), 0);
  if (rejected > 0 && !options.json) {
    io.warn(
      `${rejected} ${rejected === 1 ? 'memory was' : 'memories were'} rejected (reasons above); nothing rejected was written`,
    );
  }
  return failed > 0 || rejected > 0 ? 1 : 0;
}
