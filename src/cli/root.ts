import { currentRoot } from '../proof/current-root.js';
import { rootAt } from '../proof/root-at.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';

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
  const now = await currentRoot(repo);
  if (options.json) {
    io.json(now);
    return 0;
  }
  const { root, treeSize, latestSeal: seal } = now;
  if (now.invalidFiles > 0)
    io.warn(`${now.invalidFiles} invalid memory file(s) left out; run \`remembrancer covenant\``);
  io.out(root);
  io.out(io.c.dim(`over ${treeSize} memories (seals excluded)`));
  if (seal) {
    const state = seal.current
      ? io.c.green('current')
      : io.c.yellow(`behind: it covers ${seal.treeSize}`);
    io.out(io.c.dim(`latest seal ${seal.id.slice(0, 12)} of ${seal.created} — `) + state);
  } else {
    io.out(io.c.dim('no seal yet; run `remembrancer seal` to sign a checkpoint'));
  }
  return 0;
}
