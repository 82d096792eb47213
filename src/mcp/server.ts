/** The MCP server of one repository: its tools (fewer when read-only) and its resources. */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.js';
import { registerMemoryResources } from './resources.js';
import { registerTools, type AnyTool } from './tool.js';
import { covenantStatus, merkleRootTool, verifyArtifactTool } from './tools/integrity.js';
import { getMemory } from './tools/memory.js';
import { listMemoryIds, searchMemories } from './tools/search.js';
import { health, listPeers } from './tools/status.js';
import { createAdrTool, recordDecisionTool } from './tools/write.js';

export const TOOLS: AnyTool[] = [
  searchMemories,
  getMemory,
  listMemoryIds,
  recordDecisionTool,
  createAdrTool,
  verifyArtifactTool,
  merkleRootTool,
  covenantStatus,
  listPeers,
  health,
];

const INSTRUCTIONS = `This server is the signed, git-native memory of one repository: deploy receipts, decisions, ADRs and Merkle seals.
Before deciding something, search_memories for earlier decisions; read one with get_memory (or the resource remembrancer://memory/ID).
Record what you decide with record_decision or create_adr when they are offered (they sign and commit).
verify_artifact says whether an artifact has a valid signed receipt; covenant_status and merkle_root prove the memory is intact.`;

export function createServer(ctx: McpContext, log: (line: string) => void): McpServer {
  const server = new McpServer(
    { name: 'remembrancer', version: ctx.version },
    { instructions: INSTRUCTIONS },
  );
  registerTools(server, ctx, TOOLS, log);
  registerMemoryResources(server, ctx);
  return server;
}
