import { loadAdrs } from '../../adr/store.js';
import { findAdr, relationPhrase } from '../../adr/adr.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { adrJson, statusColour } from './render.js';

export interface AdrShowOptions extends GlobalOptions {
  id: string;
  json: boolean;
}

export async function run(options: AdrShowOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const adr = findAdr((await loadAdrs(repo)).adrs, options.id);
  if (options.json) {
    io.json(adrJson(adr));
    return 0;
  }
  const b = adr.body;
  io.out(`${io.c.bold(`${adr.handle}: ${adr.title}`)}`);
  io.out(
    `${statusColour(io, adr.status)} ${io.c.dim(`· ${adr.created.slice(0, 10)} · ${adr.author}${b.deciders?.length ? ` · deciders: ${b.deciders.join(', ')}` : ''}${b.tags.length ? ` · tags: ${b.tags.join(', ')}` : ''}`)}`,
  );
  const section = (heading: string, text: string | undefined) => {
    if (!text) return;
    io.out();
    io.out(io.c.bold(heading));
    for (const line of text.split('\n')) io.out(`  ${line}`);
  };
  section('Context', b.context);
  if (b.options?.length) {
    io.out();
    io.out(io.c.bold('Considered options'));
    for (const o of b.options) io.out(`  - ${o}`);
  }
  section('Decision', b.decision);
  section('Consequences', b.consequences);
  if (adr.relations.length > 0) {
    io.out();
    io.out(io.c.bold('Links'));
    for (const r of adr.relations) io.out(`  ${relationPhrase(r)} ${r.handle}: ${r.title}`);
  }
  if (adr.history.length > 1) {
    io.out();
    io.out(io.c.bold('History'));
    for (const h of adr.history)
      io.out(
        `  ${h.created.replace('T', ' ').replace('Z', '')}  ${statusColour(io, h.status).padEnd(io.color ? 19 : 10)} ${h.author}${h.note ? ` — ${h.note}` : ''}`,
      );
  }
  io.out();
  io.out(io.c.dim(`id ${adr.id}`));
  return 0;
}
