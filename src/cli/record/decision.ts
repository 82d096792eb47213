import { checkDecision, recordDecision } from '../../record/decision.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from './output.js';

export interface RecordDecisionOptions extends GlobalOptions, SigningOptions {
  text: string;
  tag: string[];
  commit: boolean;
  json: boolean;
}

export async function run(options: RecordDecisionOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const input = { text: options.text, tags: options.tag };
  checkDecision(input);
  const result = await recordDecision(repo, input, {
    signer: await signer(io, options),
    commit: options.commit,
  });
  printRecorded(io, result, options.json);
  return 0;
}
