/**
 * The timeline: memories grouped by the UTC day they were created, newest first, read from
 * the search index's columns and records (no memory file is opened).
 */
import { readRecord, type MemoryHeading } from './build.js';
import { float64s, ID_BYTES } from './index-file.js';
import type { IndexFile } from './index-file.js';
import { filterOf, idAt, type SearchFilters } from './query.js';

export type TimelineEntry = MemoryHeading;

export interface TimelineDay {
  /** YYYY-MM-DD, UTC. */
  day: string;
  memories: TimelineEntry[];
}

/**
 * The slots of the memories passing `filters`, newest first (ties by id), from the numeric
 * columns alone: no record is read, so a long-lived reader (the TUI) can order 100,000
 * memories and read the headings of only those it shows.
 */
export function timelineOrder(file: IndexFile, filters: SearchFilters = {}): Uint32Array {
  const accept = filterOf(file, filters);
  const created = float64s(file.section('created'));
  const offsets = float64s(file.section('offsets'));
  const ids = file.section('ids');
  const picked: number[] = [];
  for (let slot = 0; slot < file.header.slots; slot++) {
    const live = (offsets[slot + 1] as number) > (offsets[slot] as number);
    if (live && accept(slot)) picked.push(slot);
  }
  const order = Uint32Array.from(picked);
  const idOf = (slot: number) => ids.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES);
  order.sort(
    (a, b) => (created[b] as number) - (created[a] as number) || Buffer.compare(idOf(a), idOf(b)),
  );
  return order;
}

/** What a timeline line prints about the memory in `slot`, or undefined for a free row. */
export function headingAt(file: IndexFile, slot: number): TimelineEntry | undefined {
  const record = readRecord(file, slot);
  if (!record) return undefined;
  return {
    id: idAt(file, slot),
    type: record.type,
    created: record.created,
    node: record.node,
    author: record.author,
    title: record.title,
  };
}

export function timeline(file: IndexFile, filters: SearchFilters = {}): TimelineDay[] {
  const order = timelineOrder(file, filters);
  if (order.length > 64) file.section('records');
  const days: TimelineDay[] = [];
  for (const slot of order) {
    const entry = headingAt(file, slot);
    if (!entry) continue;
    const day = entry.created.slice(0, 10);
    let group = days[days.length - 1];
    if (group?.day !== day) days.push((group = { day, memories: [] }));
    group.memories.push(entry);
  }
  return days;
}
