/**
 * Memories as MCP resources, remembrancer://memory/ID: reading one returns the memory file
 * byte for byte (canonical JSON), so a client can hash it and check the id itself.
 */
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { McpContext } from './context.js';
import { resourceError } from './errors.js';

export const MEMORY_URI = 'remembrancer://memory/{id}';

/**
 * Clients list resources unasked (some on every start): the newest memories only, so a
 * repository of 100,000 does not send them all. list_memory_ids pages through every one.
 */
export const LISTED_RESOURCES = 200;

export function memoryUri(id: string): string {
  return `remembrancer://memory/${id}`;
}

export function registerMemoryResources(server: McpServer, ctx: McpContext): void {
  const template = new ResourceTemplate(MEMORY_URI, {
    list: async () => {
      try {
        const { timeline, withSearchIndex } = await import('../search/index.js');
        const { result: days } = await withSearchIndex(ctx.repo, (file, check) =>
          timeline(file, {}, { check, limit: LISTED_RESOURCES }),
        );
        const newest = days.flatMap((d) => d.memories);
        return {
          resources: newest.map((m) => ({
            uri: memoryUri(m.id),
            name: `${m.type} ${m.id.slice(0, 12)}`,
            title: m.title,
            description: `${m.type} by ${m.author.name}, ${m.created}`,
            mimeType: 'application/json',
          })),
        };
      } catch (err) {
        throw resourceError(err);
      }
    },
  });
  server.registerResource(
    'memory',
    template,
    {
      title: 'A memory',
      description:
        'One signed memory file (canonical JSON), by id or unique id prefix of 4+ hex digits',
      mimeType: 'application/json',
    },
    async (_uri, variables) => {
      try {
        const [{ serializeEnvelope }, { readByPrefix }, { WorkingTreeSnapshot }] =
          await Promise.all([
            import('../memory/envelope.js'),
            import('../store/store.js'),
            import('../ground/snapshot.js'),
          ]);
        const id = String([variables['id']].flat()[0] ?? '');
        const memory = await readByPrefix(new WorkingTreeSnapshot(ctx.repo.remDir), id);
        return {
          contents: [
            {
              uri: memoryUri(memory.id),
              mimeType: 'application/json',
              text: serializeEnvelope(memory.envelope),
            },
          ],
        };
      } catch (err) {
        throw resourceError(err);
      }
    },
  );
}
