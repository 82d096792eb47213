import { requireConfig } from '../core/config.js';
import { merkleRoot } from '../core/merkle.js';
import { isSeal, sealBody } from '../core/memory-types.js';
import { latestSeal } from '../core/seal.js';
import { rootAt } from '../core/root-at.js';
import { WorkingTreeSnapshot } from '../core/snapshot.js';
import { loadMemories } from '../core/store.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from './io.js';

export interface RootOptions extends GlobalOptions {
  at?: string;
  json: boolean;
}

export async function run(options: RootOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  if (options.at !== undefined) {
    const at = await rootAt(repo, options.at);
    if (options.json) {
      io.json({
        root: at.root,
        treeSize: at.treeSize,
        commit: at.commit,
        unreadable: at.unreadable,
      });
      return 0;
    }
    if (at.unreadable > 0)
      io.warn(
        `${at.unreadable} memory file(s) in ${options.at} are unreadable; counted as memories`,
      );
    io.out(at.root);
    io.out(io.c.dim(`over ${at.treeSize} memories at ${at.commit.slice(0, 7)} (seals excluded)`));
    return 0;
  }
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const [config, loaded] = await Promise.all([requireConfig(snapshot), loadMemories(snapshot)]);
  const { root, treeSize } = merkleRoot(loaded.memories.filter((m) => !isSeal(m)).map((m) => m.id));
  const seal = latestSeal(loaded.memories, config.node);
  const sealed =
    seal !== undefined && sealBody(seal).root === root && sealBody(seal).treeSize === treeSize;
  if (options.json) {
    io.json({
      root,
      treeSize,
      invalidFiles: loaded.problems.length,
      latestSeal: seal
        ? {
            id: seal.id,
            root: sealBody(seal).root,
            treeSize: sealBody(seal).treeSize,
            created: seal.envelope.signed.created,
            current: sealed,
          }
        : null,
    });
    return 0;
  }
  if (loaded.problems.length > 0)
    io.warn(
      `${loaded.problems.length} invalid memory file(s) left out; run \`remembrancer covenant\``,
    );
  io.out(root);
  io.out(io.c.dim(`over ${treeSize} memories (seals excluded)`));
  if (seal) {
    const state = sealed
      ? io.c.green('current')
      : io.c.yellow(`behind: it covers ${sealBody(seal).treeSize}`);
    io.out(
      io.c.dim(`latest seal ${seal.id.slice(0, 12)} of ${seal.envelope.signed.created} — `) + state,
    );
  } else {
    io.out(io.c.dim('no seal yet; run `remembrancer seal` to sign a checkpoint'));
  }
  return 0;
}
