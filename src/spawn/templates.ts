/**
 * Finding and loading templates. They ship as files beside dist/ (package.json "files"), so
 * the built CLI finds them by walking up from its own location; `--templates DIR` points
 * at another folder laid out the same way (your own templates, or a newer version).
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { RemembrancerError } from '../ground/errors.js';
import type { Concern } from './types.js';

export const MANIFEST = 'template.json';
const SCHEMA = 'template.schema.json';
const SHARED = '@shared/';

export interface Variable {
  type: 'string' | 'boolean';
  description: string;
  pattern?: string;
  choices?: string[];
  default?: string | boolean;
}

export interface TemplateFile {
  path: string;
  source: string;
  concern: Concern;
  when?: string[];
}

export interface Manifest {
  name: string;
  version: string;
  description: string;
  variables: Record<string, Variable>;
  conditions: Record<string, Record<string, string | boolean | (string | boolean)[]>>;
  files: TemplateFile[];
}

export interface Template {
  manifest: Manifest;
  /** The template's folder. */
  dir: string;
  /** The folder holding every template (and shared/). */
  root: string;
}

/** The templates folder shipped with remembrancer. */
export function bundledTemplatesRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'templates', SCHEMA))) return join(dir, 'templates');
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new RemembrancerError('TEMPLATE_INVALID', 'the bundled templates/ folder is missing', {
    fix: 'reinstall remembrancer; its package ships templates/ beside dist/',
  });
}

export function templateNames(root: string): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, MANIFEST)))
    .map((e) => e.name)
    .sort();
}

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RemembrancerError('TEMPLATE_NOT_FOUND', 'no such template', {
      file,
      fix: 'check the name (--lang) and the templates folder (--templates)',
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RemembrancerError('TEMPLATE_INVALID', `not valid JSON: ${(err as Error).message}`, {
      file,
      fix: 'fix the JSON syntax of the manifest',
    });
  }
}

export async function loadTemplate(root: string, name: string): Promise<Template> {
  const dir = resolve(root, name);
  const file = join(dir, MANIFEST);
  if (!/^[a-z][a-z0-9-]{0,62}$/.test(name) || !existsSync(file)) {
    throw new RemembrancerError('TEMPLATE_NOT_FOUND', `no template named "${name}"`, {
      file: root,
      fix: `choose one of: ${templateNames(root).join(', ') || '(none found)'}`,
    });
  }
  const manifest = await readJson(file);
  const schema = (await readJson(join(root, SCHEMA))) as object;
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  const validate = ajv.compile(schema);
  if (!validate(manifest)) {
    const e = validate.errors?.[0];
    const where = `manifest${(e?.instancePath ?? '').replace(/\//g, '.')}`;
    throw new RemembrancerError('TEMPLATE_INVALID', `${where} ${e?.message ?? 'is invalid'}`, {
      file,
      fix: `make the manifest fit ${join(root, SCHEMA)}`,
    });
  }
  const m = manifest as Manifest;
  if (m.name !== name) {
    throw new RemembrancerError(
      'TEMPLATE_INVALID',
      `manifest name "${m.name}" differs from its folder "${name}"`,
      { file, fix: 'name the folder after the template' },
    );
  }
  for (const f of m.files) {
    for (const c of f.when ?? []) {
      if (!Object.hasOwn(m.conditions, c)) {
        throw new RemembrancerError(
          'TEMPLATE_INVALID',
          `${f.path} names unknown condition "${c}"`,
          {
            file,
            fix: `define "${c}" under "conditions" or remove it from "when"`,
          },
        );
      }
    }
  }
  return { manifest: m, dir, root: resolve(root) };
}

export function sourcePath(template: Template, source: string): string {
  return source.startsWith(SHARED)
    ? join(template.root, 'shared', source.slice(SHARED.length))
    : join(template.dir, source);
}
