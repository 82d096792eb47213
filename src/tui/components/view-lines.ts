/** Lines of the ADR, deployments, federation and covenant views (formatting only). */
import type {
  AdrRow,
  ComponentDeploys,
  CovenantSummary,
  ListItem,
  PeerRow,
} from '../data/index.js';
import { age, fit, shortId, typeIcon, when } from '../format.js';
import type { LineSpec, Tone } from './theme.js';

const STATUS_TONE: Record<string, Tone> = {
  accepted: 'green',
  proposed: 'yellow',
  rejected: 'red',
  deprecated: 'gray',
  superseded: 'magenta',
};

/** A window of `rows` around `cursor`, each drawn by `draw`. */
export function windowed<T>(
  rows: T[],
  cursor: number,
  offset: number,
  height: number,
  draw: (row: T, selected: boolean) => LineSpec,
): LineSpec[] {
  return rows.slice(offset, offset + height).map((row, i) => {
    const selected = offset + i === cursor;
    return { ...draw(row, selected), inverse: selected };
  });
}

export function adrLine(adr: AdrRow, selected: boolean, width: number, now: number): LineSpec {
  const head = `${selected ? '›' : ' '} ${adr.handle.padEnd(10)} ${adr.status.padEnd(10)} `;
  return {
    text:
      head +
      fit(adr.title, Math.max(4, width - head.length - 5)) +
      ' ' +
      age(adr.created, now).padStart(4),
    tone: STATUS_TONE[adr.status],
  };
}

export function adrDetail(adr: AdrRow | undefined): LineSpec[] {
  if (!adr)
    return [{ text: 'no ADRs yet: `remembrancer adr create "Title"` writes one', dim: true }];
  const lines: LineSpec[] = [
    { text: `§ ${adr.handle} ${adr.title}`, bold: true },
    { text: `status ${adr.status}`, tone: STATUS_TONE[adr.status], bold: true },
    { text: 'history', dim: true },
  ];
  for (const h of adr.history)
    lines.push({
      text: `  ${when(h.created)}  ${h.status.padEnd(10)} ${h.author}${h.note ? ` — ${h.note}` : ''}`,
      tone: STATUS_TONE[h.status],
    });
  if (adr.relations.length > 0) lines.push({ text: 'relations', dim: true });
  for (const r of adr.relations)
    lines.push({ text: `  ${r.phrase} ${r.handle} ${r.title}`, tone: 'cyan' });
  lines.push({ text: `Enter opens ${shortId(adr.id)} with its verification`, dim: true });
  return lines;
}

export function componentLine(
  group: ComponentDeploys,
  latest: ListItem | undefined,
  selected: boolean,
  width: number,
  now: number,
): LineSpec {
  const head = `${selected ? '›' : ' '} ${fit(group.component, 18)} ${String(group.count).padStart(6)} `;
  return {
    text:
      head +
      fit(latest ? `latest ${latest.title}` : '', Math.max(4, width - head.length - 5)) +
      ' ' +
      (latest ? age(latest.created, now) : '').padStart(4),
  };
}

export function componentDetail(
  group: ComponentDeploys | undefined,
  itemOf: (id: string) => ListItem | undefined,
  height: number,
  now: number,
): LineSpec[] {
  if (!group)
    return [{ text: 'no deploy receipts yet: `remembrancer record deploy` writes one', dim: true }];
  const lines: LineSpec[] = [
    { text: `▲ ${group.component}: ${group.count} deploy receipt(s), newest first`, bold: true },
  ];
  for (const id of group.ids.slice(0, Math.max(1, height - 2))) {
    const item = itemOf(id);
    if (item)
      lines.push({
        text: `  ${typeIcon(item.type)} ${shortId(id)} ${when(item.created)}  ${item.title}  (${age(item.created, now)} ago)`,
      });
  }
  lines.push({ text: 'Enter opens the newest receipt with its verification', dim: true });
  return lines;
}

export function peerLine(peer: PeerRow, selected: boolean): LineSpec {
  const s = peer.status;
  const state = s.lastError
    ? `✗ ${s.lastError}`
    : s.lastSuccess
      ? `✓ synced ${when(s.lastSuccess)}`
      : '· never synced';
  return {
    text: `${selected ? '›' : ' '} ${peer.name.padEnd(16)} ${peer.tier.padEnd(8)} ${state}`,
    tone: s.lastError ? 'red' : s.lastSuccess ? 'green' : undefined,
  };
}

export function peerDetail(peer: PeerRow | undefined): LineSpec[] {
  if (!peer)
    return [
      { text: 'no peers', bold: true },
      { text: 'add one with `remembrancer federation add NAME URL`', dim: true },
    ];
  const s = peer.status;
  const lines: LineSpec[] = [
    { text: `⇄ ${peer.name}`, bold: true },
    { text: `url       ${peer.url}` },
    { text: `tier      ${peer.tier}` },
    { text: `scope     ${peer.scope}` },
    { text: `keys      ${peer.keys} trusted key(s)` },
    { text: `attempt   ${s.lastAttempt ? when(s.lastAttempt) : 'never'}` },
    { text: `success   ${s.lastSuccess ? when(s.lastSuccess) : 'never'}` },
  ];
  if (s.lastError) lines.push({ text: `error     ${s.lastError}`, tone: 'red' });
  if (s.peerCommit) lines.push({ text: `commit    ${s.peerCommit}` });
  if (s.peerRoot) lines.push({ text: `root      ${s.peerRoot}` });
  if (s.counts)
    lines.push({
      text: `last sync fetched ${s.counts.fetched}, accepted ${s.counts.accepted}, rejected ${s.counts.rejected}, ignored ${s.counts.ignored}`,
    });
  return lines;
}

export function covenantLines(
  summary: CovenantSummary | undefined,
  error: string | undefined,
): LineSpec[] {
  if (error) return [{ text: `covenant could not run: ${error}`, tone: 'red' }];
  if (!summary) return [{ text: 'checking the covenant…', dim: true }];
  const lines: LineSpec[] = [
    summary.ok
      ? {
          text: `✓ covenant holds: ${summary.memories} memories, policy ${summary.policy}`,
          tone: 'green',
          bold: true,
        }
      : {
          text: `✗ covenant broken: ${summary.violations.length} violation(s), policy ${summary.policy}`,
          tone: 'red',
          bold: true,
        },
    { text: `root ${summary.root} over ${summary.treeSize}`, dim: true },
  ];
  if (summary.warnings > 0)
    lines.push({
      text: `${summary.warnings} warning(s): run \`remembrancer covenant\``,
      tone: 'yellow',
    });
  for (const v of summary.violations) {
    lines.push({
      text: `${v.rule.padEnd(11)} ${v.file ? `${v.file}: ` : ''}${v.message}`,
      tone: 'red',
    });
    if (v.fix) lines.push({ text: `            fix: ${v.fix}`, dim: true });
  }
  return lines;
}
