/** The detail pane's lines for a memory: heading, verification, links, fields and text. */
import type { DetailResult, ListItem } from '../data/index.js';
import { age, shortId, typeIcon, when } from '../format.js';
import type { LineSpec } from './theme.js';

export interface LinkTarget {
  id: string;
  /** The linked memory's title, where the index holds it. */
  title?: string | undefined;
}

export function detailLines(
  heading: ListItem | undefined,
  result: DetailResult | 'loading' | undefined,
  linkFocus: number,
  linkTitle: (id: string) => string | undefined,
  now: number,
): LineSpec[] {
  const lines: LineSpec[] = [];
  if (heading) {
    lines.push({ text: `${typeIcon(heading.type)} ${heading.type} ${heading.id}`, bold: true });
    lines.push({ text: heading.title });
  }
  if (result === undefined) {
    if (!heading) lines.push({ text: 'nothing selected', dim: true });
    return lines;
  }
  if (result === 'loading') {
    lines.push({ text: 'verifying…', dim: true });
    return lines;
  }
  if (result.kind === 'broken') {
    lines.push({ text: `✗ invalid memory: ${result.message}`, tone: 'red', bold: true });
    if (result.file) lines.push({ text: `file ${result.file}`, dim: true });
    if (result.fix) lines.push({ text: `fix: ${result.fix}`, dim: true });
    return lines;
  }
  const d = result;
  if (!heading) lines.push({ text: `${typeIcon(d.type)} ${d.type} ${d.id}`, bold: true });
  lines.push({ text: `created ${when(d.created)} (${age(d.created, now)} ago) on ${d.node}` });
  lines.push({ text: `author  ${d.author}` });
  lines.push(
    d.verified
      ? { text: '✓ verified', tone: 'green', bold: true }
      : { text: `✗ invalid: ${d.problems[0] ?? 'does not verify'}`, tone: 'red', bold: true },
  );
  for (const problem of d.problems.slice(1)) lines.push({ text: `  ✗ ${problem}`, tone: 'red' });
  if (d.signatures.length === 0) lines.push({ text: '  ? unsigned', tone: 'yellow' });
  for (const s of d.signatures) {
    const who = s.signer ? ` ${s.signer}` : '';
    if (s.state === 'valid')
      lines.push({
        text: `  ✓ signature ${s.keyid.slice(-16)}${who}${s.created ? ` at ${when(s.created)}` : ''}`,
        tone: 'green',
      });
    else if (s.state === 'invalid')
      lines.push({
        text: `  ✗ signature ${s.keyid.slice(-16)}${who}: ${s.reason ?? ''}`,
        tone: 'red',
      });
    else
      lines.push({
        text: `  ? signature ${s.keyid.slice(-16)}: ${s.reason ?? ''}`,
        tone: 'yellow',
      });
  }
  if (d.timestamps.length === 0) lines.push({ text: '  · no timestamp', dim: true });
  for (const t of d.timestamps) {
    lines.push(
      t.ok
        ? { text: `  ✓ timestamp ${when(t.genTime ?? '')} by ${t.signer ?? t.tsa}`, tone: 'green' }
        : { text: `  ✗ timestamp from ${t.tsa}: ${t.reason ?? 'invalid'}`, tone: 'red' },
    );
  }
  const seal = d.seal;
  if (seal.state === 'sealed')
    lines.push({
      text: `  ✓ in seal ${shortId(seal.sealId)}: leaf ${seal.leafIndex + 1} of ${seal.treeSize}, proof checks`,
      tone: 'green',
    });
  else if (seal.state === 'unsealed') lines.push({ text: `  · ${seal.reason}`, tone: 'yellow' });
  else lines.push({ text: `  ■ seals root ${shortId(seal.root)}… over ${seal.treeSize} memories` });
  if (seal.state === 'sealed')
    for (const w of seal.warnings) lines.push({ text: `    ${w}`, tone: 'yellow' });
  if (d.links.length > 0) {
    lines.push({ text: 'links (Tab chooses, Enter follows)', dim: true });
    d.links.forEach((link, i) => {
      const focused = i === linkFocus;
      const title = linkTitle(link.id);
      lines.push({
        text: `${focused ? '›' : ' '} ${link.rel} ${shortId(link.id)} ${title ?? '(not in this repository)'}`,
        tone: 'cyan',
        inverse: focused,
      });
    });
  }
  for (const [key, value] of d.fields) lines.push({ text: `${key.padEnd(11)} ${value}` });
  lines.push({ text: `file        ${d.file}`, dim: true });
  if (d.text) for (const line of d.text.split('\n')) lines.push({ text: `  ${line}` });
  return lines;
}
