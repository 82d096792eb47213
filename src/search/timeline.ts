/**
 * The timeline: memories grouped by the UTC day they were created, newest first, read from
 * the search index's columns and records. No memory file is read unless its stamp says it
 * changed (on-disk.ts); one that no longer verifies is not shown.
 */
import { headingOf, readRecord, type MemoryHeading } from './build.js';
import { float64s, ID_BYTES } from './index-file.js';
import type { IndexFile } from './index-file.js';
import { filterOf, idAt, type SearchFilters, type ShownCheck } from './query.js';

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
  const id = idAt(file, slot);
  // A record under another row's id: the index is damaged, and is built again.
  if (record.id !== id) throw new Error(`search index row ${slot} is damaged`);
  return headingOf(record);
}

export interface TimelineOptions {
  /** Only rows it passes are shown. */
  check?: ShownCheck & { preload?(): void };
  /** At most this many memories, the newest. */
  limit?: number;
}

export function timeline(
  file: IndexFile,
  filters: SearchFilters = {},
  options: TimelineOptions = {},
): TimelineDay[] {
  const { check, limit = Infinity } = options;
  const order = timelineOrder(file, filters);
  if (Math.min(order.length, limit) > 64) {
    file.section('records');
    file.section('sums');
    check?.preload?.();
  }
  const days: TimelineDay[] = [];
  let shown = 0;
  for (const slot of order) {
    if (shown >= limit) break;
    if (check && !check.current(slot)) continue;
    const entry = headingAt(file, slot);
    if (!entry) continue;
    const day = entry.created.slice(0, 10);
    let group = days[days.length - 1];
    if (group?.day !== day) days.push((group = { day, memories: [] }));
    group.memories.push(entry);
    shown++;
  }
  return days;
}
