import { SIGNING } from './flags.js';
import { verb } from './verb.js';

export const mcp = verb({
  command: 'mcp',
  describe: 'Serve the memory to AI agents over the Model Context Protocol',
  flags: {
    ...SIGNING,
    'read-only': {
      type: 'boolean',
      default: false,
      describe: 'offer no tool that writes (record_decision, create_adr)',
    },
    http: {
      type: 'boolean',
      default: false,
      describe:
        'serve Streamable HTTP instead of stdio; needs a bearer token (REMEMBRANCER_MCP_TOKEN, or one printed once)',
    },
    port: { type: 'number', describe: 'port for --http (default: 8765; 0 picks a free one)' },
    host: { type: 'string', default: '127.0.0.1', describe: 'address for --http to listen on' },
  },
  examples: [
    ['$0 mcp', 'stdio, as MCP clients launch it (docs/mcp.md has their settings)'],
    ['$0 mcp --read-only', 'search, read and verify only'],
    [
      'REMEMBRANCER_MCP_TOKEN=$(openssl rand -hex 32) $0 mcp --http --port 8765',
      'Streamable HTTP on http://127.0.0.1:8765/mcp',
    ],
  ],
  load: () => import('./mcp.js'),
});
