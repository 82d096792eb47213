import { sealRepository } from '../proof/seal.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from './context.js';
import type { IO } from '../present/io.js';

export interface SealOptions extends GlobalOptions, SigningOptions {
  commit: boolean;
  json: boolean;
}

export async function run(options: SealOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const result = await sealRepository(repo, {
    signer: await signer(io, options),
    commit: options.commit,
  });
  if (options.json) {
    io.json({
      status: result.status,
      id: result.seal.id,
      root: result.root,
      treeSize: result.treeSize,
      previous: (result.seal.envelope.signed.body as { previous: string | null }).previous,
      included: result.included,
      commit: result.commit ?? null,
      warnings: result.warnings,
    });
    return 0;
  }
  for (const w of result.warnings) io.warn(w);
  if (result.status === 'unchanged') {
    io.out(
      `nothing new to seal: seal ${result.seal.id.slice(0, 12)} already covers root ${result.root.slice(0, 12)}… over ${result.treeSize} memories`,
    );
    return 0;
  }
  io.out(
    `sealed ${io.c.bold(result.seal.id.slice(0, 12))} root ${result.root} over ${result.treeSize} memories`,
  );
  if (result.included > 0)
    io.out(io.c.dim(`${result.included} uncommitted memories committed with it`));
  if (result.commit) io.out(io.c.dim(`committed ${result.commit.slice(0, 7)}`));
  else io.out(io.c.dim('staged, not committed'));
  return 0;
}
