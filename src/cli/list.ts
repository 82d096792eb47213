import { RemembrancerError } from '../core/errors.js';
import { isKnownType, MEMORY_TYPES } from '../core/schemas.js';
import { normalizeTypeName, summarize } from '../core/memory-types.js';
import { WorkingTreeSnapshot } from '../core/snapshot.js';
import { loadMemories } from '../core/store.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from './io.js';
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
  if (loaded.problems.length > 0) {
    io.warn(
      `${loaded.problems.length} invalid memory file(s) left out; run \`remembrancer covenant\` for details`,
    );
  }
  let memories = loaded.memories.filter(
    (m) => type === undefined || m.envelope.signed.type === type,
  );
  memories.sort((a, b) =>
    a.envelope.signed.created === b.envelope.signed.created
      ? a.id < b.id
        ? -1
        : 1
      : a.envelope.signed.created < b.envelope.signed.created
        ? 1
        : -1,
  );
  if (options.limit !== undefined) memories = memories.slice(0, options.limit);
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
