import { cosignReceipt } from '../../federation/verify-merge.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printVerdict } from './verify-merge.js';

export interface CosignOptions extends GlobalOptions, SigningOptions {
  id: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: CosignOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const result = await cosignReceipt(repo, options.id, {
    signer: await signer(io, options),
    commit: options.commit,
  });
  if (options.json) {
    io.json({ ...result.verdict, status: result.status, commit: result.commit ?? null });
    return 0;
  }
  printVerdict(io, result.verdict);
  io.out(
    result.status === 'cosigned'
      ? `${io.c.green('cosigned')}: the receipt now carries this node's signature too`
      : io.c.dim('already signed by this key'),
  );
  if (result.commit) io.out(io.c.dim(`committed ${result.commit.slice(0, 7)}`));
  return 0;
}
