/** Who this node talks to, and whether the server and its repository are in order. */
import { z } from 'zod';
import { defineTool } from '../tool.js';

export const listPeers = defineTool({
  name: 'list_peers',
  title: 'List federation peers',
  description:
    'The repositories this one federates with (.remembrancer/peers.json) and, where a sync has run in this clone, how the last one went. An empty list means no peers.',
  input: {},
  output: {
    peers: z.array(
      z.looseObject({
        name: z.string(),
        url: z.string(),
        ref: z.string(),
        tier: z.enum(['core', 'external']),
        scope: z.array(z.string()).nullable().describe('memory types taken; null: every type'),
        keys: z.array(z.string()).describe('fingerprints trusted for this peer'),
        lastSync: z
          .looseObject({
            lastAttempt: z.string().optional(),
            lastSuccess: z.string().optional(),
            lastError: z.string().optional(),
            peerCommit: z.string().optional(),
            peerRoot: z.string().optional(),
            counts: z
              .looseObject({
                fetched: z.number().int(),
                accepted: z.number().int(),
                rejected: z.number().int(),
                ignored: z.number().int(),
              })
              .optional(),
          })
          .nullable(),
      }),
    ),
  },
  run: async (_args, ctx) => {
    const [{ readFederationStatus, readPeers }, { WorkingTreeSnapshot }] = await Promise.all([
      import('../../federation/peers.js'),
      import('../../ground/snapshot.js'),
    ]);
    const peers = await readPeers(new WorkingTreeSnapshot(ctx.repo.remDir));
    const status = readFederationStatus(ctx.repo);
    return {
      peers: peers.map((p) => ({
        name: p.name,
        url: p.url,
        ref: p.ref,
        tier: p.tier,
        scope: p.scope ?? null,
        keys: p.keys,
        lastSync: status[p.name] ?? null,
      })),
    };
  },
});

export const health = defineTool({
  name: 'health',
  title: 'Health',
  description:
    'Whether the server works and what it serves: version, repository, node name, policy, how many memories and trust anchors, and whether writing tools are enabled. Cheap; call it first.',
  input: {},
  output: {
    ok: z.boolean().describe('true when every memory file is valid'),
    version: z.string(),
    repository: z.string().describe('the top folder of the repository served'),
    node: z.string(),
    policy: z.enum(['strict', 'permissive']),
    memories: z.number().int(),
    invalidFiles: z.number().int(),
    trustAnchors: z.number().int(),
    readOnly: z.boolean(),
  },
  run: async (_args, ctx) => {
    const [{ openCatalog }, { requireConfig }, { WorkingTreeSnapshot }, { TrustStore }] =
      await Promise.all([
        import('../../store/catalog.js'),
        import('../../store/config.js'),
        import('../../ground/snapshot.js'),
        import('../../policy/trust.js'),
      ]);
    const snapshot = new WorkingTreeSnapshot(ctx.repo.remDir);
    const [config, catalog, trust] = await Promise.all([
      requireConfig(snapshot),
      openCatalog(ctx.repo),
      TrustStore.load(snapshot),
    ]);
    return {
      ok: catalog.problems.length === 0,
      version: ctx.version,
      repository: ctx.repo.root,
      node: config.node,
      policy: config.policy,
      memories: catalog.entries.size,
      invalidFiles: catalog.problems.length,
      trustAnchors: trust.keys.size,
      readOnly: ctx.readOnly,
    };
  },
});
