import { linkAdrs } from '../../adr/store.js';
import type { AdrRelation } from '../../memory/memory-types.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from '../record/output.js';

export interface AdrLinkOptions extends GlobalOptions, SigningOptions {
  from: string;
  to: string;
  rel: AdrRelation;
  note?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: AdrLinkOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const { from, to, record } = await linkAdrs(
    repo,
    options.from,
    options.to,
    options.rel,
    options.note,
    {
      signer: await signer(io, options),
      commit: options.commit,
    },
  );
  if (options.json) {
    printRecorded(io, record, true);
    return 0;
  }
  io.out(`${io.c.bold(from.handle)} ${options.rel} ${io.c.bold(to.handle)}`);
  printRecorded(io, record, false);
  return 0;
}
