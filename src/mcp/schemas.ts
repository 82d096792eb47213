/** Zod shapes shared by several tools' input and output (the JSON shapes of docs/json.md). */
import { z } from 'zod';

export const memoryId = z
  .string()
  .regex(/^[0-9a-fA-F]{4,64}$/, 'a memory id or a unique prefix of 4 to 64 hex digits')
  .describe('the memory id, or a unique prefix of 4+ hex digits');

export const dateText = z
  .string()
  .min(1)
  .describe('a UTC date or time (2026-01-31, 2026-01-31T08:00Z) or a phrase ("2 weeks ago")');

export const typeName = z
  .string()
  .min(1)
  .describe('a memory type: deploy, decision, seal, adr, adr-status, adr-link (plurals accepted)');

export const author = z.looseObject({
  name: z.string(),
  email: z.string(),
  key: z.string().optional(),
});

/** A memory as the search index knows it: what the timeline and search results share. */
export const heading = {
  id: z.string(),
  type: z.string(),
  created: z.string(),
  node: z.string(),
  author,
  title: z.string(),
};

export const written = {
  id: z.string().describe('the new memory id'),
  type: z.string(),
  path: z.string().describe('its file, relative to the repository root'),
  write: z
    .enum(['created', 'merged', 'unchanged'])
    .describe('created; merged into an identical memory; or already there'),
  signers: z.array(z.string()).describe('fingerprints of the keys that signed it'),
  commit: z.string().nullable().describe('the commit that added it'),
  warnings: z.array(z.string()),
};

export const signatureStatus = z.looseObject({
  keyid: z.string(),
  state: z.enum(['valid', 'invalid', 'untrusted']),
  reason: z.string().optional(),
  signer: z.string().optional(),
  created: z.string().optional(),
});

export const finding = z.looseObject({
  rule: z.string(),
  code: z.string(),
  file: z.string().nullable(),
  message: z.string(),
  fix: z.string().nullable(),
});
