/**
 * JSON Schema validation of every memory and config file. The schemas live in schemas/ at
 * the top of the project (one per memory type); ajv compiles them into functions at build
 * time (src/memory/generated/validators.ts), so no command compiles a schema as it runs.
 */
import type { ErrorObject } from 'ajv';
import * as validators from './generated/validators.js';
import envelopeSchema from '../../schemas/envelope.json' with { type: 'json' };
import signedSchema from '../../schemas/signed.json' with { type: 'json' };
import deploySchema from '../../schemas/deploy.json' with { type: 'json' };
import decisionSchema from '../../schemas/decision.json' with { type: 'json' };
import sealSchema from '../../schemas/seal.json' with { type: 'json' };
import federationSchema from '../../schemas/federation.json' with { type: 'json' };
import revocationSchema from '../../schemas/revocation.json' with { type: 'json' };
import configSchema from '../../schemas/config.json' with { type: 'json' };
import peersSchema from '../../schemas/peers.json' with { type: 'json' };
import adrSchema from '../../schemas/adr.json' with { type: 'json' };
import adrStatusSchema from '../../schemas/adr-status.json' with { type: 'json' };
import adrLinkSchema from '../../schemas/adr-link.json' with { type: 'json' };
import spawnSchema from '../../schemas/spawn.json' with { type: 'json' };
import { printable, quoted, RemembrancerError } from '../ground/errors.js';

/** Memory types this version understands, each with its schema. */
const TYPE_SCHEMAS: Record<string, object> = {
  deploy: deploySchema,
  decision: decisionSchema,
  seal: sealSchema,
  adr: adrSchema,
  'adr-status': adrStatusSchema,
  'adr-link': adrLinkSchema,
  spawn: spawnSchema,
  federation: federationSchema,
  revocation: revocationSchema,
};

export const MEMORY_TYPES = Object.keys(TYPE_SCHEMAS).sort();

/**
 * The `schema` version of memories, config.json and peers.json that this version reads and
 * writes. A later one is refused by name, never read as if it were this one.
 */
export const SCHEMA_VERSION = 1;

/** Every schema this version bundles, for the test that checks them against the meta-schema. */
export const ALL_SCHEMAS: readonly object[] = [
  envelopeSchema,
  signedSchema,
  configSchema,
  peersSchema,
  ...Object.values(TYPE_SCHEMAS),
];

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** Ahead-of-time compiled validators (scripts/gen-validators.mjs), by schema name. */
const VALIDATORS = validators as unknown as Record<string, Validate>;

function validator(id: string): Validate {
  const fn = VALIDATORS[`v_${id.replace(/-/g, '_')}`];
  if (!fn) throw new Error(`no compiled validator for schemas/${id}.json: run npm run build`);
  return fn;
}

function describe(errors: ErrorObject[] | null | undefined, root: string): string {
  const first = errors?.[0];
  if (!first) return 'does not match its schema';
  // A path may hold keys from the file: printable, and never longer than a line.
  const where = printable(root + first.instancePath.replace(/\//g, '.'), 160);
  if (first.keyword === 'additionalProperties') {
    return `${where} has an unexpected field ${quoted(String(first.params['additionalProperty']))}`;
  }
  if (first.keyword === 'propertyNames') {
    return `${where} has a field name of the wrong form, ${quoted(String(first.params['propertyName']))}`;
  }
  if (first.keyword === 'required') {
    return `${where} is missing the field "${String(first.params['missingProperty'])}"`;
  }
  if (first.keyword === 'pattern') return `${where} has a value of the wrong form`;
  if (first.keyword === 'const')
    return `${where} must be ${JSON.stringify(first.params['allowedValue'])}`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Refuses a `schema` version later than SCHEMA_VERSION by name, before any other check:
 * a newer format may differ in anything else, so its other failures would mislead.
 */
function checkVersion(version: unknown, file: string | undefined): void {
  if (typeof version === 'number' && Number.isSafeInteger(version) && version > SCHEMA_VERSION) {
    throw new RemembrancerError(
      'UNKNOWN_SCHEMA_VERSION',
      `schema version ${version} is unknown (written by a newer remembrancer; upgrade)`,
      {
        file,
        fix: `upgrade remembrancer to one that reads schema ${version}; this one reads schema ${SCHEMA_VERSION}`,
      },
    );
  }
}

export function isKnownType(type: string): boolean {
  return Object.hasOwn(TYPE_SCHEMAS, type);
}

/**
 * Validates a whole envelope: a later schema version first, then its outer shape, its
 * type, and `signed` against its type's schema.
 */
export function validateEnvelope(value: unknown, file?: string): void {
  if (!isObject(value)) {
    throw new RemembrancerError(
      'SCHEMA_VIOLATION',
      `file holds ${kindOf(value)}, not a memory (an object with "signed" and "signatures")`,
      {
        file,
        fix: 'the memory was edited by hand or written by a broken tool; restore it from git',
      },
    );
  }
  const signed = value['signed'];
  if (isObject(signed)) checkVersion(signed['schema'], file);
  const outer = validator('envelope');
  if (!outer(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(outer.errors, 'envelope'), {
      file,
      fix: 'the memory was edited by hand or written by a broken tool; restore it from git',
    });
  }
  const type = (signed as { type?: unknown }).type;
  if (typeof type !== 'string' || !isKnownType(type)) {
    // Not a type this version knows: the fields every type shares still say whether it is
    // a memory at all (a type name of the right form among them).
    const base = validator('signed');
    if (!base(signed)) {
      throw new RemembrancerError('SCHEMA_VIOLATION', describe(base.errors, 'signed'), {
        file,
        fix: 'the memory does not fit schemas/signed.json; restore it from git',
      });
    }
    throw new RemembrancerError(
      'UNKNOWN_TYPE',
      `memory type ${quoted(String(type))} is unknown to this version (written by a newer remembrancer, or by hand)`,
      {
        file,
        fix: `this version reads ${MEMORY_TYPES.join(', ')}; upgrade remembrancer if a newer one wrote it, else restore the file from git`,
      },
    );
  }
  const inner = validator(type);
  if (!inner(signed)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(inner.errors, 'signed'), {
      file,
      fix: `the ${type} memory does not fit schemas/${type}.json; restore it from git`,
    });
  }
}

export function validateConfig(value: unknown, file?: string): void {
  if (isObject(value)) checkVersion(value['schema'], file);
  const fn = validator('config');
  if (!fn(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(fn.errors, 'config'), {
      file,
      fix: 'edit config.json to fit schemas/config.json (policy is "strict" or "permissive")',
    });
  }
}

export function validatePeers(value: unknown, file?: string): void {
  if (isObject(value)) checkVersion(value['schema'], file);
  const fn = validator('peers');
  if (!fn(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(fn.errors, 'peers'), {
      file,
      fix: 'edit peers.json to fit schemas/peers.json, or manage it with `remembrancer federation`',
    });
  }
}
