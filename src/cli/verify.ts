import { summarize } from '../memory/memory-types.js';
import { verifyArtifact } from '../proof/verify-artifact.js';
import { verdictItem } from '../present/shapes.js';
import { openPeerView } from '../federation/peer-view.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { warnLeftOut } from './left-out.js';
import { shortId, signatureLine } from './render.js';

export interface VerifyOptions extends GlobalOptions {
  artifact: string;
  /** Look for receipts in an external peer's fetched memories. */
  peer?: string;
  json: boolean;
}

export async function run(options: VerifyOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const source = options.peer ? (await openPeerView(repo, options.peer)).remDir : undefined;
  const verdict = await verifyArtifact(repo, options.artifact, source);
  // A receipt in a file that does not read is no receipt; say that it was not looked at.
  warnLeftOut(io, verdict.leftOut);
  if (options.json) {
    io.json(verdictItem(verdict));
    return verdict.ok ? 0 : 1;
  }
  io.out(
    `${verdict.ok ? io.c.green('✓ known') : io.c.red('✗ not verified')}  sha256:${verdict.sha256}`,
  );
  io.out(verdict.reason);
  for (const r of verdict.receipts) {
    io.out(
      `  ${r.valid ? io.c.green('valid') : io.c.red('invalid')} ${shortId(r.memory.id)} ${r.memory.envelope.signed.type} ${summarize(r.memory)} ${io.c.dim(r.memory.envelope.signed.created)}`,
    );
    for (const s of r.signatures) io.out(`      ${signatureLine(io, s)}`);
    for (const p of r.problems) io.out(`      ${io.c.red('✗')} ${p}`);
  }
  return verdict.ok ? 0 : 1;
}
