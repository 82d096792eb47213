/**
 * The virtualised list: only the rows that fit are read from the index and drawn, so
 * 100,000 memories scroll as quickly as 10.
 */
import { age, fit, shortId, typeIcon } from '../format.js';
import type { ListSource } from '../data/index.js';
import { Pane } from './Pane.js';
import type { LineSpec } from './theme.js';

/** Keeps the cursor on screen, moving the window as little as possible. */
export function scrollOffset(
  previous: number,
  cursor: number,
  height: number,
  length: number,
): number {
  if (height <= 0) return 0;
  let offset = Math.min(previous, cursor);
  if (cursor >= offset + height) offset = cursor - height + 1;
  return Math.max(0, Math.min(offset, Math.max(0, length - height)));
}

export interface MemoryListProps {
  source: ListSource;
  cursor: number;
  offset: number;
  width: number;
  height: number;
  /** Ids the covenant found a violation in. */
  flagged: Set<string>;
  empty: string;
  now: number;
}

export function MemoryList({
  source,
  cursor,
  offset,
  width,
  height,
  flagged,
  empty,
  now,
}: MemoryListProps) {
  const lines: LineSpec[] = [];
  if (source.length === 0) lines.push({ text: empty, dim: true });
  const wide = width >= 60;
  const authorWidth = wide ? Math.min(16, Math.floor(width / 6)) : 0;
  const fixed = 2 + 2 + 13 + 5 + (wide ? authorWidth + 1 : 0);
  const titleWidth = Math.max(4, width - fixed);
  for (let i = offset; i < Math.min(source.length, offset + height); i++) {
    const item = source.at(i);
    if (!item) continue;
    const selected = i === cursor;
    const bad = flagged.has(item.id) || item.problem !== undefined;
    const text =
      `${selected ? '›' : ' '}${bad ? '✗' : ' '}${typeIcon(item.type)} ${shortId(item.id)} ` +
      fit(item.title, titleWidth) +
      (wide ? ' ' + fit(item.author, authorWidth) : '') +
      ' ' +
      age(item.created, now).padStart(4);
    lines.push({ text, inverse: selected, tone: bad ? 'red' : undefined });
  }
  return <Pane lines={lines} width={width} height={height} />;
}
