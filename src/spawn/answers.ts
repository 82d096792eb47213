/**
 * The answers file (like copier's .copier-answers.yml): the template, its version and the
 * options a project was generated with, so it can be generated again.
 */
import { stringify } from 'yaml';
import type { GeneratorInput } from './types.js';

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
