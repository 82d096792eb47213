/** Recording a free-form decision: the checks on its text and tags, then `recordMemory`. */
import { RemembrancerError } from '../ground/errors.js';
import { buildDecision } from '../memory/memory-types.js';
import { recordMemory, type RecordOptions, type RecordResult } from './record.js';
import type { Repository } from '../ground/repository.js';

const TAG = /^[a-z0-9][a-z0-9._/-]{0,63}$/;

export interface DecisionInput {
  text: string;
  tags: string[];
}

/** Refuses an empty text or a malformed tag; callers run it before asking for a passphrase. */
export function checkDecision(input: DecisionInput): string {
  const text = input.text.trim();
  if (text === '') {
    throw new RemembrancerError('USAGE', 'the decision text is empty', {
      fix: 'say what was decided, in quotes',
    });
  }
  const bad = input.tags.find((t) => !TAG.test(t.trim().toLowerCase()));
  if (bad !== undefined) {
    throw new RemembrancerError('USAGE', `tag "${bad}" has characters a tag cannot hold`, {
      fix: 'use letters, digits, and . _ / - (up to 64 characters)',
    });
  }
  return text;
}

export async function recordDecision(
  repo: Repository,
  input: DecisionInput,
  options: RecordOptions,
): Promise<RecordResult> {
  const text = checkDecision(input);
  const firstLine = text.split('\n', 1)[0] as string;
  return recordMemory(
    repo,
    (origin) => buildDecision(origin, text, input.tags),
    () =>
      `remembrancer: decision ${firstLine.length > 60 ? firstLine.slice(0, 59) + '…' : firstLine}`,
    options,
  );
}
