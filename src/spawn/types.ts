/** What templates, generators and the engine exchange. */

export const CONCERNS = [
  'source',
  'tests',
  'dockerfile',
  'compose',
  'kubernetes',
  'ci',
  'docs',
  'makefile',
  'gitignore',
  'mcp',
  'mq',
] as const;
export type Concern = (typeof CONCERNS)[number];

/** The options a project is generated from, as recorded in its answers file. */
export type Answers = Record<string, string | boolean>;

export interface TemplateRef {
  name: string;
  version: string;
}

export interface GeneratorInput {
  template: TemplateRef;
  answers: Answers;
}

export interface GeneratedFile {
  /** Relative to the project folder, with / separators. */
  path: string;
  content: string;
}

/**
 * One concern of a generated project. Its context is what that concern's templates read
 * as `it.<concern>`; `files` adds what is better built in code than templated.
 */
export interface Generator {
  concern: Concern;
  context(input: GeneratorInput): unknown;
  files?(input: GeneratorInput): GeneratedFile[];
}

/** Answers as the generators read them; the engine has checked them against the manifest. */
export interface CommonAnswers {
  name: string;
  kind: 'service' | 'worker';
  description: string;
  mcp: boolean;
  mq: 'none' | 'rabbitmq' | 'nats';
  owner: string;
  year: string;
}

export function common(input: GeneratorInput): CommonAnswers & { lang: string } {
  return { ...(input.answers as unknown as CommonAnswers), lang: input.template.name };
}
