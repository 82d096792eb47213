/**
 * JSON Schema validation of every memory and config file. The schemas live in schemas/ at
 * the top of the project (one per memory type); ajv compiles them into functions at build
 * time (src/core/generated/validators.ts), so no command compiles a schema as it runs.
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
import { RemembrancerError } from './errors.js';

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
  const where = root + first.instancePath.replace(/\//g, '.');
  if (first.keyword === 'additionalProperties') {
    return `${where} has an unexpected field "${String(first.params['additionalProperty'])}"`;
  }
  if (first.keyword === 'required') {
    return `${where} is missing the field "${String(first.params['missingProperty'])}"`;
  }
  if (first.keyword === 'pattern') return `${where} has a value of the wrong form`;
  return `${where} ${first.message ?? 'is invalid'}`;
}

export function isKnownType(type: string): boolean {
  return Object.hasOwn(TYPE_SCHEMAS, type);
}

/** Validates a whole envelope: its outer shape, then `signed` against its type's schema. */
export function validateEnvelope(value: unknown, file?: string): void {
  const outer = validator('envelope');
  if (!outer(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(outer.errors, 'envelope'), {
      file,
      fix: 'the memory was edited by hand or written by a broken tool; restore it from git',
    });
  }
  const signed = (value as { signed: { type?: unknown } }).signed;
  const type = signed.type;
  if (typeof type !== 'string' || !isKnownType(type)) {
    throw new RemembrancerError('UNKNOWN_TYPE', `unknown memory type ${JSON.stringify(type)}`, {
      file,
      fix: `known types are ${MEMORY_TYPES.join(', ')}; upgrade remembrancer if a newer version wrote it`,
    });
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
  const fn = validator('config');
  if (!fn(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(fn.errors, 'config'), {
      file,
      fix: 'edit config.json to fit schemas/config.json (policy is "strict" or "permissive")',
    });
  }
}

export function validatePeers(value: unknown, file?: string): void {
  const fn = validator('peers');
  if (!fn(value)) {
    throw new RemembrancerError('SCHEMA_VIOLATION', describe(fn.errors, 'peers'), {
      file,
      fix: 'edit peers.json to fit schemas/peers.json, or manage it with `remembrancer federation`',
    });
  }
}
