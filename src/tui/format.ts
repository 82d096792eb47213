/** Short forms that fit a terminal line: type icons, ages, ids, clipped text. */
import { textWidth } from '../present/text-width.js';

/** One single-width symbol per memory type, so a column of them lines up. */
const ICONS: Record<string, string> = {
  deploy: '▲',
  decision: '◆',
  adr: '§',
  'adr-status': '±',
  'adr-link': '↔',
  seal: '■',
  federation: '⇄',
  spawn: '✦',
  revocation: '✗',
};

export function typeIcon(type: string): string {
  return ICONS[type] ?? '•';
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** "45s", "12m", "3h", "5d", "7mo", "2y": how long ago, to a glance's precision. */
export function age(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 60) return `${days}d`;
  const months = Math.floor(days / 30.44);
  if (months < 24) return `${months}mo`;
  return `${Math.floor(days / 365.25)}y`;
}

/** "2026-11-25 08:00 UTC". */
export function when(iso: string): string {
  return iso.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, ' UTC');
}

/** Text cut to `width` columns with an ellipsis, or padded to exactly `width`. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  const w = textWidth(flat);
  if (w <= width) return flat + ' '.repeat(width - w);
  let cut = flat.slice(0, width);
  while (textWidth(cut) > width - 1) cut = cut.slice(0, -1);
  return cut + '…' + ' '.repeat(Math.max(0, width - 1 - textWidth(cut)));
}
