/**
 * The TUI's window on a repository: the search index kept open for the whole session, so
 * ordering, filtering and searching read its columns and only the records on screen. Each
 * row on screen is looked at on disk as it is drawn (on-disk.ts: one lstat, a read only
 * when its file changed), so a file edited or deleted while the TUI runs is shown as such,
 * never with the text it no longer holds.
 */
import { requireConfig } from '../../store/config.js';
import type { RemembrancerError } from '../../ground/errors.js';
import type { Repository } from '../../ground/repository.js';
import { slotsById } from '../../search/build.js';
import {
  DiskCheck,
  headingAt,
  openSearchIndex,
  searchIndex,
  timelineOrder,
  type IndexFile,
} from '../../search/index.js';
import type { Judge } from '../../search/on-disk.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';

/** One line of a list: what the index says about a memory. */
export interface ListItem {
  id: string;
  type: string;
  created: string;
  author: string;
  title: string;
  /** For search results: the matched text around the query's words. */
  snippet?: string;
  /** Set when the memory's file changed on disk since the index read it: what is wrong. */
  problem?: string;
}

/** A list that reads its items only when asked for them (the visible rows). */
export interface ListSource {
  readonly length: number;
  at(index: number): ListItem | undefined;
  /** For search results: how many matched before the limit. */
  readonly total?: number;
}

const EMPTY: ListSource = { length: 0, at: () => undefined };

/** Search results shown at most: a person reads the first screens, never the 5,000th hit. */
export const SEARCH_LIMIT = 500;

export class TuiSession {
  private readonly headings = new Map<number, ListItem | null>();
  private slots: Map<string, number> | undefined;
  /** Looks at each shown row's file; its memo of files read again lasts the session. */
  readonly check: DiskCheck;

  private constructor(
    readonly repo: Repository,
    readonly index: IndexFile,
    /** Memory files the index could not take in when it was brought up to date. */
    readonly problems: RemembrancerError[],
    judge: Judge,
  ) {
    this.check = new DiskCheck(repo, index, judge);
  }

  /** Opens the index only: the config (its schema check costs more than drawing) comes later. */
  static async open(repo: Repository): Promise<TuiSession> {
    const [opened, { judgeFile }] = await Promise.all([
      openSearchIndex(repo),
      import('../../search/judge.js'),
    ]);
    return new TuiSession(repo, opened.file, opened.problems, judgeFile);
  }

  /** This repository's node name, from its config. */
  async node(): Promise<string> {
    return (await requireConfig(new WorkingTreeSnapshot(this.repo.remDir))).node;
  }

  get memoryCount(): number {
    return this.index.header.live;
  }

  /** The memory types present, in a stable order, for the type filter. */
  types(): string[] {
    return [...this.index.header.types].filter((t) => t !== '').sort();
  }

  /** Memories of the given types (all when none), newest first. */
  timeline(types: string[] = []): ListSource {
    if (this.index.header.live === 0) return EMPTY;
    const order = timelineOrder(this.index, types.length > 0 ? { types } : {});
    return { length: order.length, at: (i) => this.item(order[i]) };
  }

  /** Ranked search through the same index and engine as `remembrancer query`. */
  search(text: string, types: string[] = []): ListSource {
    if (text.trim() === '') return this.timeline(types);
    const { hits, total } = searchIndex(
      this.index,
      text,
      types.length > 0 ? { types } : {},
      SEARCH_LIMIT,
      this.check,
    );
    const items: ListItem[] = hits.map((h) => ({
      id: h.id,
      type: h.type,
      created: h.created,
      author: h.author.name,
      title: h.title,
      snippet: h.snippet.text,
    }));
    // Looked at again as drawn: a file may change while the results are on screen.
    return {
      length: items.length,
      at: (i) => this.checked(this.slotOf(items[i]?.id), items[i]),
      total,
    };
  }

  /** The index's line for a memory id, or undefined when the index does not hold it. */
  byId(id: string): ListItem | undefined {
    return this.item(this.slotOf(id));
  }

  private slotOf(id: string | undefined): number | undefined {
    if (id === undefined) return undefined;
    this.slots ??= slotsById(this.index);
    return this.slots.get(id);
  }

  /** `item` as it may be shown: flagged, with no text of its own, if its file changed. */
  private checked(slot: number | undefined, item: ListItem | undefined): ListItem | undefined {
    if (slot === undefined || !item || this.check.current(slot)) return item;
    const finding = this.check.findings.get(slot);
    const problem =
      finding?.state === 'invalid'
        ? `${finding.left.problem.message}${finding.left.problem.fix ? ` (fix: ${finding.left.problem.fix})` : ''}`
        : 'its file is no longer on disk';
    return {
      id: item.id,
      type: item.type,
      created: item.created,
      author: '',
      title: problem,
      problem,
    };
  }

  private item(slot: number | undefined): ListItem | undefined {
    if (slot === undefined) return undefined;
    let cached = this.headings.get(slot);
    if (cached === undefined) {
      const h = headingAt(this.index, slot);
      cached = h
        ? { id: h.id, type: h.type, created: h.created, author: h.author.name, title: h.title }
        : null;
      // Rows on screen are asked for on every redraw; keep a bounded few thousand.
      if (this.headings.size > 5000) this.headings.clear();
      this.headings.set(slot, cached);
    }
    return this.checked(slot, cached ?? undefined);
  }

  close(): void {
    this.index.close();
  }
}
