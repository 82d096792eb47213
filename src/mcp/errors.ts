/**
 * Failures as MCP sees them. A tool that fails answers with `isError: true` and one line
 * (code, message, file, fix), so the agent can read why and try again; a resource that
 * cannot be read is a JSON-RPC error. Either way the server keeps serving.
 */
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { RemembrancerError } from '../ground/errors.js';

export function describeError(err: unknown): string {
  if (err instanceof RemembrancerError) {
    const where = err.file ? ` (${err.file})` : '';
    const fix = err.fix ? ` fix: ${err.fix}` : '';
    return `${err.code}: ${err.message}${where}.${fix}`;
  }
  const message = err instanceof Error ? err.message : String(err);
  return `INTERNAL: ${message.split('\n')[0]} (this is a bug; the server logged details to stderr)`;
}

export function toolError(err: unknown, log: (line: string) => void): CallToolResult {
  if (!(err instanceof RemembrancerError)) {
    log(err instanceof Error && err.stack ? err.stack : String(err));
  }
  return { isError: true, content: [{ type: 'text', text: describeError(err) }] };
}

/** -32002 is what MCP clients expect for an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;

export function resourceError(err: unknown): McpError {
  if (err instanceof McpError) return err;
  if (err instanceof RemembrancerError) {
    const code =
      err.code === 'MEMORY_NOT_FOUND'
        ? RESOURCE_NOT_FOUND
        : err.exitCode === 2
          ? ErrorCode.InvalidParams
          : ErrorCode.InternalError;
    return new McpError(code, describeError(err), {
      code: err.code,
      file: err.file ?? null,
      fix: err.fix ?? null,
    });
  }
  return new McpError(ErrorCode.InternalError, describeError(err));
}
