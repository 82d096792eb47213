/**
 * action.yml, this repository's workflows and the workflows in docs/github-action.md against
 * the JSON Schemas GitHub's editors use (SchemaStore's): with ajv on the copies vendored in
 * test/fixtures/schemastore (their source noted there), and with @action-validator/core; and the Action's inputs against what its code reads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { validateAction, validateWorkflow } from '@action-validator/core';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

type Schema = { definitions: Record<string, { properties?: Record<string, { enum?: string[] }> }> };

function validator(name: string, adjust: (schema: Schema) => void = () => undefined) {
  const schema = JSON.parse(read(`test/fixtures/schemastore/${name}`)) as Schema;
  adjust(schema);
  // SchemaStore's schemas are draft-07 and use formats and keywords ajv's strict mode rejects.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(schema);
}

// The npm mirror predates GitHub's node20 runtime (the published schema lists it since
// 2023): the one difference, made here rather than in the vendored file.
const ajvAction = validator('github-action.json', (schema) => {
  const using = schema.definitions['runs-javascript']?.properties?.['using'];
  if (!using?.enum) throw new Error('github-action.json changed shape: revisit this adjustment');
  using.enum = [...using.enum, 'node20', 'node24'];
});
const ajvWorkflow = validator('github-workflow.json');

function ajvErrors(validate: ValidateFunction, value: unknown): string[] {
  return validate(value)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

/** Both validators: ajv on the vendored schemas, and action-validator's own current copy. */
function errorsOf(kind: 'action' | 'workflow', value: unknown): string[] {
  const text = typeof value === 'string' ? value : stringify(value);
  const parsed: unknown = typeof value === 'string' ? parse(value) : value;
  const fromAjv = ajvErrors(kind === 'action' ? ajvAction : ajvWorkflow, parsed);
  const other = (kind === 'action' ? validateAction(text) : validateWorkflow(text)) as {
    errors: { path: string; title: string }[];
  };
  return [...fromAjv, ...other.errors.map((e) => `action-validator: ${e.path} ${e.title}`)];
}

describe('action.yml', () => {
  const action = parse(read('action.yml')) as {
    runs: { using: string; main: string };
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
  };

  it('fits the published github-action schema', () => {
    expect(errorsOf('action', action)).toEqual([]);
    expect(action.runs).toEqual({ using: 'node20', main: 'dist/action.js' });
  });

  it('the schema catches a broken action.yml', () => {
    const broken = { ...action, runs: { using: 'node20' } };
    expect(errorsOf('action', broken)).not.toEqual([]);
    expect(errorsOf('action', { ...action, inputs: { x: { deprecated: true } } })).not.toEqual([]);
  });

  it('declares every input the bundle reads and every output it writes, and no other', () => {
    const bundle = read('dist/action.js');
    const src = ['src/action/main.ts', 'src/action/range.ts'].map(read).join('\n');
    const used = new Set(
      [...src.matchAll(/(?:input|bool|takeSecret)\('([a-z-]+)'/g)].map((m) => m[1] as string),
    );
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort());
    const written = new Set(
      [...src.matchAll(/setOutput\('([a-z-]+)'/g)].map((m) => m[1] as string),
    );
    expect([...written].sort()).toEqual(Object.keys(action.outputs).sort());
    for (const name of used) expect(bundle).toContain(`"${name}"`);
  });
});

describe('workflows', () => {
  const dir = join(ROOT, '.github', 'workflows');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

  it('this repository has workflows, and one uses its own Action', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((f) => read(`.github/workflows/${f}`)).join('\n')).toMatch(/uses: \.\/\n/);
  });

  for (const file of files) {
    it(`.github/workflows/${file} fits the published github-workflow schema`, () => {
      expect(errorsOf('workflow', read(`.github/workflows/${file}`))).toEqual([]);
    });
  }

  it('the copy-paste workflow in docs/github-action.md fits it too', () => {
    const blocks = [...read('docs/github-action.md').matchAll(/```yaml\n([\s\S]*?)```/g)].map(
      (m) => m[1] as string,
    );
    const workflows = blocks.filter((b) => /^on:/m.test(b));
    expect(workflows.length).toBeGreaterThan(0);
    for (const w of workflows) expect(errorsOf('workflow', w)).toEqual([]);
  });

  it('the schema catches a broken workflow', () => {
    expect(errorsOf('workflow', { on: 'push', jobs: { x: { steps: [] } } })).not.toEqual([]);
  });
});
