/**
 * The schemas are compiled ahead of time (scripts/gen-validators.mjs) and never checked
 * against the JSON Schema meta-schema at run time; this is where they are checked.
 */
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ALL_SCHEMAS } from '../../src/memory/schemas.js';

describe('bundled schemas', () => {
  it('each is a valid draft-07 schema and compiles in strict mode', () => {
    const ajv = new Ajv({ strict: true, strictRequired: false, allowMatchingProperties: true });
    expect(ALL_SCHEMAS.length).toBeGreaterThanOrEqual(10);
    for (const schema of ALL_SCHEMAS) {
      const id = (schema as { $id?: string }).$id ?? '?';
      expect(ajv.validateSchema(schema), `${id}: ${ajv.errorsText()}`).toBe(true);
      if (!ajv.getSchema(id)) ajv.addSchema(schema);
    }
    for (const schema of ALL_SCHEMAS) {
      expect(ajv.getSchema((schema as { $id: string }).$id)).toBeTypeOf('function');
    }
  });

  it('the meta-schema check catches a broken schema', () => {
    const ajv = new Ajv({ strict: true });
    expect(ajv.validateSchema({ type: 'objekt' })).toBe(false);
  });
});
