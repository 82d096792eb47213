/**
 * The engine: checks the answers against the manifest, asks each generator for its
 * concern's data, renders the manifest's files whose conditions hold with Eta, adds the
 * files generators build in code and the answers file. Output is a pure function of the
 * template and the answers, which is what lets `spawn update` regenerate and merge.
 */
import { readFile } from 'node:fs/promises';
import { Eta } from 'eta';
import { RemembrancerError } from '../ground/errors.js';
import { serializeAnswers, ANSWERS_FILE } from './answers.js';
import { GENERATORS } from './generators.js';
import { sourcePath, type Manifest, type Template } from './templates.js';
import type { Answers, GeneratedFile, GeneratorInput } from './types.js';

/** Fills defaults and checks every answer's type, pattern and choices. */
export function resolveAnswers(manifest: Manifest, given: Answers): Answers {
  const out: Answers = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(manifest.variables, name)) {
      throw new RemembrancerError('USAGE', `template ${manifest.name} has no option "${name}"`, {
        fix: `its options are ${Object.keys(manifest.variables).join(', ')}`,
      });
    }
  }
  for (const [name, v] of Object.entries(manifest.variables)) {
    const value = given[name] ?? v.default;
    if (value === undefined) {
      throw new RemembrancerError('USAGE', `missing value for "${name}"`, {
        fix: `give ${name}: ${v.description}`,
      });
    }
    if (typeof value !== v.type) {
      throw new RemembrancerError('USAGE', `"${name}" must be a ${v.type}`, {
        fix: v.description,
      });
    }
    if (typeof value === 'string') {
      if (v.pattern !== undefined && !new RegExp(v.pattern).test(value)) {
        throw new RemembrancerError('USAGE', `"${value}" is not a valid ${name}`, {
          fix: v.description,
        });
      }
      if (v.choices !== undefined && !v.choices.includes(value)) {
        throw new RemembrancerError('USAGE', `"${value}" is not a valid ${name}`, {
          fix: `choose one of ${v.choices.join(', ')}`,
        });
      }
    }
    out[name] = value;
  }
  return out;
}

function holds(manifest: Manifest, answers: Answers, names: string[] = []): boolean {
  return names.every((name) =>
    Object.entries(manifest.conditions[name] ?? {}).every(([variable, wanted]) =>
      Array.isArray(wanted)
        ? wanted.includes(answers[variable] as string)
        : answers[variable] === wanted,
    ),
  );
}

export async function generate(template: Template, given: Answers): Promise<GeneratedFile[]> {
  const { manifest } = template;
  const answers = resolveAnswers(manifest, given);
  const input: GeneratorInput = {
    template: { name: manifest.name, version: manifest.version },
    answers,
  };
  // A concern's data replaces an answer of the same name (it.mq is the broker's settings).
  const it: Record<string, unknown> = {
    ...answers,
    lang: manifest.name,
    template: input.template,
    answersFile: ANSWERS_FILE,
  };
  for (const g of GENERATORS) it[g.concern] = g.context(input);
  const eta = new Eta({ autoEscape: false, autoTrim: false, useWith: false });
  const files = new Map<string, string>();
  const add = (file: GeneratedFile, from: string) => {
    if (files.has(file.path)) {
      throw new RemembrancerError('TEMPLATE_INVALID', `${file.path} is generated twice`, {
        file: from,
        fix: 'list each output path once in the manifest',
      });
    }
    files.set(file.path, file.content);
  };
  for (const entry of manifest.files) {
    if (!holds(manifest, answers, entry.when)) continue;
    const source = sourcePath(template, entry.source);
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch {
      throw new RemembrancerError('TEMPLATE_INVALID', `${entry.source} is missing`, {
        file: source,
        fix: `add it, or remove ${entry.path} from the manifest`,
      });
    }
    let content: string;
    try {
      content = eta.renderString(text, it);
    } catch (err) {
      const first = (err as Error).message.split('\n')[0] ?? '';
      throw new RemembrancerError('TEMPLATE_INVALID', `cannot render: ${first}`, {
        file: source,
        fix: 'fix the Eta template',
      });
    }
    add({ path: entry.path, content }, source);
  }
  for (const g of GENERATORS) {
    for (const file of g.files?.(input) ?? []) add(file, `generators/${g.concern}.ts`);
  }
  add({ path: ANSWERS_FILE, content: serializeAnswers(input) }, 'src/spawn/answers.ts');
  return [...files]
    .map(([path, content]) => ({ path, content }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
