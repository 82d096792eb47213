/**
 * The timeline: memories grouped by the UTC day they were created, newest first, read from
 * the search index's columns and records (no memory file is opened).
 */
import { readRecord, type MemoryHeading } from './build.js';
import { float64s } from './index-file.js';
import type { IndexFile } from './index-file.js';
import { filterOf, idAt, type SearchFilters } from './query.js';

export type TimelineEntry = MemoryHeading;

export interface TimelineDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  memories: TimelineEntry[];
}

export function timeline(file: IndexFile, filters: SearchFilters = {}): TimelineDay[] {
  const accept = filterOf(file, filters);
  const created = float64s(file.section('created'));
  const offsets = float64s(file.section('offsets'));
  const slots: number[] = [];
  for (let slot = 0; slot < file.header.slots; slot++) {
    const live = (offsets[slot + 1] as number) > (offsets[slot] as number);
    if (live && accept(slot)) slots.push(slot);
  }
  if (slots.length > 64) file.section('ids');
  if (slots.length > 64) file.section('records');
  const rows = slots.map((slot) => ({ slot, id: idAt(file, slot), at: created[slot] as number }));
  rows.sort((a, b) => b.at - a.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const days: TimelineDay[] = [];
  for (const { slot, id } of rows) {
    const record = readRecord(file, slot);
    if (!record) continue;
    const day = record.created.slice(0, 10);
    let group = days[days.length - 1];
    if (group?.day !== day) days.push((group = { day, memories: [] }));
    group.memories.push({
      id,
      type: record.type,
      created: record.created,
      node: record.node,
      author: record.author,
      title: record.title,
    });
  }
  return days;
}
