import { RemembrancerError } from '../ground/errors.js';
import { isKnownType, MEMORY_TYPES } from '../memory/schemas.js';
import { normalizeTypeName, summarize, type DeployBody } from '../memory/memory-types.js';
import type { Memory } from '../memory/envelope.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { loadMemories, newestFirst } from '../store/store.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { warnLeftOut } from './left-out.js';
import { memoryListItem, shortId, shortTime } from './render.js';

export interface ListOptions extends GlobalOptions {
  type?: string;
  limit?: number;
  json: boolean;
}

export async function run(options: ListOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const type = options.type ? normalizeTypeName(options.type) : undefined;
  if (type !== undefined && !isKnownType(type)) {
    throw new RemembrancerError('USAGE', `unknown memory type "${options.type}"`, {
      fix: `choose one of ${MEMORY_TYPES.join(', ')}`,
    });
  }
  const loaded = await loadMemories(new WorkingTreeSnapshot(repo.remDir));
  warnLeftOut(io, loaded.problems);
  let memories = loaded.memories.filter(
    (m) => type === undefined || m.envelope.signed.type === type,
  );
  memories.sort(newestFirst);
  if (options.limit !== undefined) memories = memories.slice(0, options.limit);
  if (type === 'adr') {
    // ADRs read best with their handle and current status, derived from all their events.
    const { deriveAdrs } = await import('../adr/adr.js');
    const { requireConfig } = await import('../store/config.js');
    const node = (await requireConfig(new WorkingTreeSnapshot(repo.remDir))).node;
    const states = new Map(deriveAdrs(loaded.memories, node).map((a) => [a.id, a]));
    if (options.json) {
      io.json(
        memories.map((m) => {
          const a = states.get(m.id);
          return {
            ...memoryListItem(m),
            adr: a ? { handle: a.handle, status: a.status, title: a.title } : null,
          };
        }),
      );
      return 0;
    }
    if (memories.length === 0) {
      io.out(`no ADRs yet; write one with ${io.c.cyan('remembrancer adr create "Title"')}`);
      return 0;
    }
    io.table(
      ['HANDLE', 'STATUS', 'DATE', 'TITLE'],
      memories.map((m) => {
        const a = states.get(m.id);
        return [
          a?.handle ?? shortId(m.id),
          a?.status ?? '',
          m.envelope.signed.created.slice(0, 10),
          a?.title ?? '',
        ];
      }),
    );
    return 0;
  }
  if (type === 'deploy') {
    const fields = (m: Memory) => m.envelope.signed.body as unknown as DeployBody;
    if (options.json) {
      io.json(
        memories.map((m) => ({
          ...memoryListItem(m),
          deploy: {
            component: fields(m).component,
            version: fields(m).version,
            environment: fields(m).environment ?? null,
          },
        })),
      );
      return 0;
    }
    if (memories.length === 0) {
      io.out(
        `no deployments yet; record one with ${io.c.cyan('remembrancer record deploy --component C --version V --evidence FILE')}`,
      );
      return 0;
    }
    io.table(
      ['COMPONENT', 'VERSION', 'ENVIRONMENT', 'WHEN (UTC)', 'ID'],
      memories.map((m) => [
        fields(m).component,
        fields(m).version,
        fields(m).environment ?? '-',
        shortTime(m.envelope.signed.created),
        shortId(m.id),
      ]),
    );
    return 0;
  }
  if (options.json) {
    io.json(memories.map(memoryListItem));
    return 0;
  }
  if (memories.length === 0) {
    io.out(
      type
        ? `no ${type} memories yet`
        : `no memories yet; record one with ${io.c.cyan('remembrancer record decision "..."')}`,
    );
    return 0;
  }
  io.table(
    ['ID', 'TYPE', 'CREATED (UTC)', 'AUTHOR', 'SUMMARY'],
    memories.map((m) => [
      shortId(m.id),
      m.envelope.signed.type,
      shortTime(m.envelope.signed.created),
      m.envelope.signed.author.name,
      summarize(m),
    ]),
  );
  return 0;
}
