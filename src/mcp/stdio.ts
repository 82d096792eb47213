/** Serving over stdin and stdout, as MCP clients launch local servers. Ends when stdin ends. */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { McpContext } from './context.js';
import { createServer } from './server.js';

export async function serveStdio(ctx: McpContext, log: (line: string) => void): Promise<void> {
  const server = createServer(ctx, log);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = resolve;
  });
  // A line that is not JSON-RPC is the client's mistake: say so on stderr and read on.
  server.server.onerror = (err) => log(`remembrancer mcp: ${err.message}`);
  await server.connect(transport);
  // The SDK's transport does not notice the client going away; closing stdin means it did.
  process.stdin.once('end', () => void server.close());
  process.stdin.once('close', () => void server.close());
  await closed;
}
