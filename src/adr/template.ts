/**
 * Writing an ADR in $EDITOR: a MADR-style Markdown template, and reading it back. The
 * Markdown is parsed with marked's lexer, section by section.
 */
import { marked, type Token, type Tokens } from 'marked';
import { ADR_STATUSES, type AdrStatus } from '../memory/memory-types.js';
import { RemembrancerError } from '../ground/errors.js';

export interface AdrDraft {
  title: string;
  status: AdrStatus;
  context: string;
  decision: string;
  consequences: string;
  options: string[];
  deciders: string[];
  tags: string[];
}

export function adrTemplate(draft: {
  title: string;
  status: AdrStatus;
  deciders: string[];
  tags: string[];
}): string {
  return `# ${draft.title}

<!-- Fill in the sections, then save and close. Leave it unchanged or empty to abort. -->

Status: ${draft.status}
Deciders: ${draft.deciders.join(', ')}
Tags: ${draft.tags.join(', ')}

## Context and Problem Statement

<!-- What forces are at play? What question does this decision answer? -->

## Considered Options

<!-- One option per list item. -->

## Decision Outcome

<!-- The chosen option, and why. -->

## Consequences

<!-- What becomes easier, and what becomes harder. -->
`;
}

type Section = 'context' | 'options' | 'decision' | 'consequences' | undefined;

function sectionOf(heading: string): Section {
  const h = heading.toLowerCase();
  if (h.includes('option')) return 'options';
  if (h.includes('context') || h.includes('problem')) return 'context';
  if (h.includes('consequence')) return 'consequences';
  if (h.includes('decision') || h.includes('outcome')) return 'decision';
  return undefined;
}

function stripComments(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '');
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Reads a filled-in template back. Throws (exit 1) when it was left empty. */
export function parseAdrMarkdown(text: string, fallbackTitle: string): AdrDraft {
  const draft: AdrDraft = {
    title: fallbackTitle,
    status: 'proposed',
    context: '',
    decision: '',
    consequences: '',
    options: [],
    deciders: [],
    tags: [],
  };
  const parts: Record<'context' | 'decision' | 'consequences', string[]> = {
    context: [],
    decision: [],
    consequences: [],
  };
  let section: Section;
  let inSections = false;
  const tokens: Token[] = marked.lexer(stripComments(text));
  for (const token of tokens) {
    if (token.type === 'heading') {
      const heading = token as Tokens.Heading;
      if (heading.depth === 1 && !inSections) {
        draft.title = heading.text.trim() || fallbackTitle;
        continue;
      }
      // Only the template's own level starts a section; deeper headings ("### Good") are
      // part of the section the user is writing in.
      if (heading.depth <= 2 || !inSections || section === undefined) {
        inSections = true;
        section = sectionOf(heading.text);
        continue;
      }
    }
    if (!inSections) {
      // Metadata lines ("Status: accepted") before the first section.
      for (const line of (token.raw ?? '').split('\n')) {
        const m = /^\s*(status|deciders|tags)\s*:\s*(.*)$/i.exec(line);
        if (!m) continue;
        const key = (m[1] as string).toLowerCase();
        const value = (m[2] as string).trim();
        if (key === 'status') {
          if (!(ADR_STATUSES as readonly string[]).includes(value.toLowerCase())) {
            throw new RemembrancerError(
              'USAGE',
              `status "${value}" is not one of ${ADR_STATUSES.join(', ')}`,
              {
                fix: 'write one of them after "Status:" in the template',
              },
            );
          }
          draft.status = value.toLowerCase() as AdrStatus;
        } else if (key === 'deciders') draft.deciders = splitList(value);
        else draft.tags = splitList(value).map((t) => t.toLowerCase());
      }
      continue;
    }
    if (section === 'options') {
      if (token.type === 'list') {
        for (const item of (token as Tokens.List).items)
          if (item.text.trim()) draft.options.push(item.text.trim());
      } else if (token.type === 'paragraph' && token.raw.trim()) {
        draft.options.push(token.raw.trim());
      }
      continue;
    }
    // The blank lines between paragraphs are `space` tokens: keep them, or "A.\n\nB."
    // would come back as "A.B.".
    if (section) parts[section].push(token.raw);
  }
  const joined = (list: string[]) =>
    list
      .join('')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  draft.context = joined(parts.context);
  draft.decision = joined(parts.decision);
  draft.consequences = joined(parts.consequences);
  if (!draft.context && !draft.decision && !draft.consequences && draft.options.length === 0) {
    throw new RemembrancerError('USAGE', 'the ADR was left empty; nothing was written', {
      exitCode: 1,
      fix: 'fill in at least one section, or pass --context/--decision/--consequences',
    });
  }
  return draft;
}
