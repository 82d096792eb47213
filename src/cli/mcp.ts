/**
 * `remembrancer mcp`: the memory as tools for AI agents. Only parses its flags and starts
 * a transport; the MCP glue is in src/mcp/, loaded (with the SDK and zod) only here.
 */
import { RemembrancerError } from '../ground/errors.js';
import { createContext } from '../mcp/context.js';
import { openRepository, type GlobalOptions, type SigningOptions } from './context.js';
import type { IO } from '../present/io.js';
import { VERSION } from './version.js';

export interface McpOptions extends GlobalOptions, SigningOptions {
  readOnly: boolean;
  http: boolean;
  port?: number;
  host: string;
}

export async function run(options: McpOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  if (!options.http && (options.port !== undefined || options.host !== '127.0.0.1')) {
    throw new RemembrancerError('USAGE', '--port and --host only apply with --http', {
      fix: 'add --http, or leave them out to serve over stdio',
    });
  }
  if (
    options.port !== undefined &&
    !(Number.isInteger(options.port) && options.port >= 0 && options.port < 65536)
  ) {
    throw new RemembrancerError('USAGE', `--port ${String(options.port)} is not a port number`, {
      fix: 'give a number from 1 to 65535, or 0 for any free port',
    });
  }
  const ctx = createContext(repo, {
    readOnly: options.readOnly,
    version: VERSION,
    signing: {
      keyFile: options.key,
      gpgKey: options.gpgKey,
      passphraseEnv: options.passphraseEnv,
      env: io.env,
    },
  });
  const log = (line: string) => io.err(line);
  // One bad request must not take the server down with it.
  process.on('unhandledRejection', (err) => log(`remembrancer mcp: ${String(err)}`));
  if (options.http) {
    const { serveHttp, DEFAULT_PORT } = await import('../mcp/http.js');
    await serveHttp(
      ctx,
      { host: options.host, port: options.port ?? DEFAULT_PORT, env: io.env },
      log,
    );
  } else {
    const { serveStdio } = await import('../mcp/stdio.js');
    await serveStdio(ctx, log);
  }
  return 0;
}
