/** One memory in full, with its signatures and timestamps checked. */
import { z } from 'zod';
import { summarize } from '../../memory/memory-types.js';
import { memoryId, signatureStatus } from '../schemas.js';
import { defineTool } from '../tool.js';

export const getMemory = defineTool({
  name: 'get_memory',
  title: 'Get a memory',
  description:
    'One memory by id or unique id prefix: its signed envelope (type, time, author, body, links) and whether each signature and timestamp verifies against the trust anchors of this repository.',
  input: { id: memoryId },
  output: {
    id: z.string(),
    path: z.string(),
    summary: z.string(),
    uri: z.string().describe('the same memory as an MCP resource'),
    envelope: z.looseObject({
      signed: z.record(z.string(), z.unknown()),
      signatures: z.array(z.record(z.string(), z.unknown())),
    }),
    verification: z.looseObject({
      ok: z.boolean().describe('no provenance or time violation under the policy'),
      policy: z.enum(['strict', 'permissive']),
      signatures: z.array(signatureStatus),
      timestamps: z.array(
        z.looseObject({
          keyid: z.string(),
          tsa: z.string(),
          ok: z.boolean(),
          reason: z.string().optional(),
          genTime: z.string().optional(),
          signer: z.string().optional(),
        }),
      ),
      problems: z.array(z.string()),
    }),
  },
  run: async (args, ctx) => {
    const { inspectMemory } = await import('../../proof/inspect.js');
    const { memory, verification } = await inspectMemory(ctx.repo, args.id);
    return {
      id: memory.id,
      path: `.remembrancer/${memory.path}`,
      summary: summarize(memory),
      uri: `remembrancer://memory/${memory.id}`,
      envelope: memory.envelope as unknown as {
        signed: Record<string, unknown>;
        signatures: Record<string, unknown>[];
      },
      verification,
    };
  },
});
