/** How ADRs read in a terminal and in JSON. */
import type { Adr } from '../../adr/adr.js';
import type { IO } from '../../present/io.js';

export function adrJson(adr: Adr) {
  return {
    id: adr.id,
    handle: adr.handle,
    number: adr.number,
    node: adr.node,
    title: adr.title,
    status: adr.status,
    created: adr.created,
    author: adr.author,
    context: adr.body.context ?? null,
    decision: adr.body.decision ?? null,
    consequences: adr.body.consequences ?? null,
    options: adr.body.options ?? [],
    deciders: adr.body.deciders ?? [],
    tags: adr.body.tags,
    history: adr.history,
    relations: adr.relations.map(({ rel, direction, handle, id, title }) => ({
      rel,
      direction,
      handle,
      id,
      title,
    })),
    path: `.remembrancer/${adr.memory.path}`,
  };
}

export function statusColour(io: IO, status: string): string {
  switch (status) {
    case 'accepted':
      return io.c.green(status);
    case 'proposed':
      return io.c.yellow(status);
    case 'rejected':
    case 'deprecated':
      return io.c.red(status);
    default:
      return io.c.dim(status);
  }
}
