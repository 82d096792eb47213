/**
 * A tool is a name, a description, zod shapes for its input and its structured output, and
 * a function over the core. `registerTools` adds them to a server: writing tools only when
 * the server is not read-only, every result both as structured content and as JSON text
 * (for clients that show only text), every failure as an MCP tool error.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { McpContext } from './context.js';
import { toolError } from './errors.js';

/**
 * A loose object's type has an index signature that core's interfaces lack; what a tool
 * returns is checked against the named fields only.
 */
type Named<T> = T extends readonly (infer U)[]
  ? Named<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Named<T[K]> }
    : T;

export interface Tool<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  /** Adds a memory (and a commit): left out by --read-only. */
  writes?: boolean;
  run: (args: z.infer<z.ZodObject<I>>, ctx: McpContext) => Promise<Named<z.infer<z.ZodObject<O>>>>;
}

/** Keeps each tool's argument and result types tied to its own shapes. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  tool: Tool<I, O>,
): Tool<I, O> {
  return tool;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = Tool<any, any>;

export function registerTools(
  server: McpServer,
  ctx: McpContext,
  tools: AnyTool[],
  log: (line: string) => void,
): string[] {
  const names: string[] = [];
  for (const tool of tools) {
    if (tool.writes && ctx.readOnly) continue;
    names.push(tool.name);
    server.registerTool(
      tool.name,
      {
        title: tool.title,
        description: tool.description,
        inputSchema: tool.input,
        // Loose, as the --json shapes are: fields may be added, never removed or renamed,
        // so a client validating against an older listing still accepts a newer answer.
        outputSchema: z.looseObject(tool.output),
        annotations: {
          readOnlyHint: !tool.writes,
          destructiveHint: false,
          idempotentHint: !tool.writes,
          openWorldHint: false,
        },
      },
      async (args: unknown) => {
        try {
          const result = (await tool.run(args as never, ctx)) as Record<string, unknown>;
          return {
            structuredContent: result,
            content: [{ type: 'text' as const, text: JSON.stringify(result, null, 2) }],
          };
        } catch (err) {
          return toolError(err, log);
        }
      },
    );
  }
  return names;
}
