/**
 * Driving `remembrancer mcp` with the MCP SDK's own client: over stdio (the client spawns
 * the built bin) and over Streamable HTTP (the bin runs with --http, the client connects).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { BIN, type Sandbox } from './cli.js';

export interface StdioServer {
  client: Client;
  stderr: () => string;
  close: () => Promise<void>;
}

export async function connectStdio(
  sandbox: Sandbox,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<StdioServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', ...args],
    cwd: sandbox.repo,
    env: { ...sandbox.env, ...env } as Record<string, string>,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'remembrancer-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export interface HttpServer {
  url: URL;
  /** The token the server printed, or undefined when it took one from the environment. */
  token: string | undefined;
  child: ChildProcess;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `mcp --http --port 0` and waits for the line that says where it listens. */
export function startHttp(
  sandbox: Sandbox,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<HttpServer> {
  const child = spawn(process.execPath, [BIN, 'mcp', '--http', '--port', '0', ...args], {
    cwd: sandbox.repo,
    env: { ...sandbox.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line:\n${stderr}`)), 15_000);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${stderr}`)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const at = /at (http:\/\/\S+\/mcp)/.exec(stderr);
      const printed = /bearer token[^:]*: (\S+)/.exec(stderr);
      const generated = !env['REMEMBRANCER_MCP_TOKEN'];
      if (at && (printed || !generated)) {
        clearTimeout(timer);
        resolve({
          url: new URL(at[1] as string),
          token: printed?.[1],
          child,
          stderr: () => stderr,
          stop,
        });
      }
    });
  });
}

export async function connectHttp(url: URL, headers: Record<string, string>): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: 'remembrancer-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its structured result, failing on a tool error. */
export async function call<T = Record<string, unknown>>(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<T> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (result.isError) {
    throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  }
  return result.structuredContent as T;
}

/** Calls a tool that must fail and returns its error text. */
export async function callError(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<string> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  if (!result.isError) throw new Error(`${name} succeeded: ${JSON.stringify(result)}`);
  const first = result.content[0];
  return first?.type === 'text' ? first.text : JSON.stringify(result.content);
}
