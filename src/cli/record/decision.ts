import { RemembrancerError } from '../../core/errors.js';
import { buildDecision } from '../../core/memory-types.js';
import { recordMemory } from '../../core/record.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../io.js';
import { printRecorded } from './output.js';

export interface RecordDecisionOptions extends GlobalOptions, SigningOptions {
  text: string;
  tag: string[];
  commit: boolean;
  json: boolean;
}

export async function run(options: RecordDecisionOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const text = options.text.trim();
  if (text === '') {
    throw new RemembrancerError('USAGE', 'the decision text is empty', {
      fix: 'say what was decided, in quotes',
    });
  }
  const bad = options.tag.find((t) => !/^[a-z0-9][a-z0-9._/-]{0,63}$/.test(t.trim().toLowerCase()));
  if (bad !== undefined) {
    throw new RemembrancerError('USAGE', `tag "${bad}" has characters a tag cannot hold`, {
      fix: 'use letters, digits, and . _ / - (up to 64 characters)',
    });
  }
  const firstLine = text.split('\n', 1)[0] as string;
  const result = await recordMemory(
    repo,
    (origin) => buildDecision(origin, text, options.tag),
    () =>
      `remembrancer: decision ${firstLine.length > 60 ? firstLine.slice(0, 59) + '…' : firstLine}`,
    { signer: await signer(io, options), commit: options.commit },
  );
  printRecorded(io, result, options.json);
  return 0;
}
