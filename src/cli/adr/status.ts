import { setAdrStatus } from '../../adr/store.js';
import type { AdrStatus } from '../../memory/memory-types.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from '../record/output.js';
import { statusColour } from './render.js';

export interface AdrStatusOptions extends GlobalOptions, SigningOptions {
  id: string;
  status: AdrStatus;
  note?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: AdrStatusOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const { adr, record } = await setAdrStatus(repo, options.id, options.status, options.note, {
    signer: await signer(io, options),
    commit: options.commit,
  });
  if (options.json) {
    printRecorded(io, record, true);
    return 0;
  }
  io.out(
    `${io.c.bold(adr.handle)} ${adr.title}: ${statusColour(io, adr.status)} → ${statusColour(io, options.status)}`,
  );
  printRecorded(io, record, false);
  return 0;
}
