/** The optional MCP server: how to start it (false when the project has none). */
import { common, type Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'mcp',
  context: (input) => {
    const a = common(input);
    if (!a.mcp) return false;
    return { command: a.lang === 'node' ? 'npm run mcp' : 'python -m app.mcp_server' };
  },
};
export default generator;
