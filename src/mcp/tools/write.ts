/**
 * The two tools that add memories. Both sign with the key the server was started with
 * (--key, REMEMBRANCER_KEY, the default key…) and commit, exactly as the CLI does; neither
 * exists in a --read-only server.
 */
import { z } from 'zod';
import { ADR_STATUSES } from '../../memory/memory-types.js';
import { written } from '../schemas.js';
import { defineTool } from '../tool.js';

const tag = z.string().describe('letters, digits and . _ / - (up to 64)');

export const recordDecisionTool = defineTool({
  name: 'record_decision',
  title: 'Record a decision',
  description:
    'Records a signed free-form decision (what was decided and why) in the repository and commits it. Search first: the same decision may already be recorded.',
  writes: true,
  input: {
    text: z.string().trim().min(1).max(20_000).describe('what was decided, and why'),
    tags: z.array(tag).max(20).default([]),
  },
  output: written,
  run: async (args, ctx) => {
    const [{ recordDecision }, { recordedItem }] = await Promise.all([
      import('../../record/decision.js'),
      import('../../present/shapes.js'),
    ]);
    const result = await recordDecision(
      ctx.repo,
      { text: args.text, tags: args.tags },
      { signer: await ctx.signer(), commit: true },
    );
    return recordedItem(result);
  },
});

export const createAdrTool = defineTool({
  name: 'create_adr',
  title: 'Create an ADR',
  description:
    'Records a signed architecture decision record, numbered ADR-000N by this repository, and commits it. Give at least one of context, decision and consequences.',
  writes: true,
  input: {
    title: z.string().trim().min(1).max(300).describe('what is being decided'),
    context: z.string().optional().describe('the context and problem'),
    decision: z.string().optional().describe('the decision and why'),
    consequences: z.string().optional().describe('what becomes easier or harder'),
    status: z.enum(ADR_STATUSES).default('proposed'),
    options: z.array(z.string()).max(20).default([]).describe('options considered'),
    deciders: z.array(z.string()).max(20).optional().describe('who decided (default: the signer)'),
    tags: z.array(tag).max(20).default([]),
  },
  output: { ...written, handle: z.string().describe('ADR-000N') },
  run: async (args, ctx) => {
    const [{ createAdr }, { recordedItem }] = await Promise.all([
      import('../../adr/store.js'),
      import('../../present/shapes.js'),
    ]);
    const adr = await createAdr(
      ctx.repo,
      {
        title: args.title,
        status: args.status,
        context: args.context,
        decision: args.decision,
        consequences: args.consequences,
        options: args.options,
        deciders: args.deciders,
        tags: args.tags,
      },
      { signer: await ctx.signer(), commit: true },
    );
    return { ...recordedItem(adr.record), handle: adr.handle };
  },
});
