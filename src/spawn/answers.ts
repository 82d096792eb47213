/**
 * The answers file (like copier's .copier-answers.yml): the template, its version and the
 * options a project was generated with, so it can be generated again.
 */
import { parse, stringify } from 'yaml';
import { RemembrancerError } from '../core/errors.js';
import type { Answers, GeneratorInput, TemplateRef } from './types.js';

export const ANSWERS_FILE = '.remembrancer-answers.yml';

export function serializeAnswers(input: GeneratorInput): string {
  return (
    '# Written by `remembrancer spawn`; `remembrancer spawn update` reads it. Do not edit.\n' +
    stringify({
      _template: input.template.name,
      _version: input.template.version,
      ...input.answers,
    })
  );
}

export function parseAnswers(text: string, file: string): TemplateRef & { answers: Answers } {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new RemembrancerError('SPAWN_INVALID', `not valid YAML: ${(err as Error).message}`, {
      file,
      fix: 'restore the answers file from git',
    });
  }
  const record = data as Record<string, unknown> | null;
  if (
    record === null ||
    typeof record !== 'object' ||
    typeof record['_template'] !== 'string' ||
    typeof record['_version'] !== 'string'
  ) {
    throw new RemembrancerError('SPAWN_INVALID', 'the answers file lacks _template or _version', {
      file,
      fix: 'restore the answers file from git',
    });
  }
  const answers: Answers = {};
  for (const [k, v] of Object.entries(record)) {
    if (k.startsWith('_')) continue;
    if (typeof v !== 'string' && typeof v !== 'boolean') {
      throw new RemembrancerError('SPAWN_INVALID', `answer "${k}" is not a string or boolean`, {
        file,
        fix: 'restore the answers file from git',
      });
    }
    answers[k] = v;
  }
  return { name: record['_template'], version: record['_version'], answers };
}
