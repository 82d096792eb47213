import { resolve } from 'node:path';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { proveMemory } from '../proof/prove.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';

export interface ProveOptions extends GlobalOptions {
  id: string;
  out?: string;
  json: boolean;
}

export async function run(options: ProveOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const { bundle, warnings } = await proveMemory(repo, options.id);
  for (const w of warnings) io.warn(w);
  const text = JSON.stringify(bundle, null, 2) + '\n';
  if (options.out === '-') {
    io.stdout.write(text);
    return 0;
  }
  const out = resolve(
    options.cwd ?? process.cwd(),
    options.out ?? `${bundle.memoryId.slice(0, 12)}.evidence.json`,
  );
  await writeFileAtomic(out, text);
  if (options.json) {
    io.json({
      file: out,
      memoryId: bundle.memoryId,
      sealId: bundle.sealId,
      root: (bundle.seal.signed.body as { root: string }).root,
      treeSize: bundle.inclusion.treeSize,
      warnings,
    });
    return 0;
  }
  io.out(`wrote ${out}`);
  io.out(
    io.c.dim(
      `memory ${bundle.memoryId.slice(0, 12)} is leaf ${bundle.inclusion.leafIndex} of ${bundle.inclusion.treeSize} under seal ${bundle.sealId.slice(0, 12)}`,
    ),
  );
  io.out(io.c.dim(`check it anywhere: remembrancer verify-proof ${out} --trust SIGNER.asc`));
  return 0;
}
