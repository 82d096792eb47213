/**
 * The whole screen: header, the current view, footer. State lives here; data comes from
 * the data layer (../data), which calls the same core functions as the CLI.
 */
import { Box, useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import type {
  AdrRow,
  ComponentDeploys,
  DetailResult,
  ListSource,
  PeerRow,
  TuiData,
} from '../data/index.js';
import { detailLines } from './detail-lines.js';
import { Header, VIEWS, type View } from './Header.js';
import { Help } from './Help.js';
import { MemoryList, scrollOffset } from './MemoryList.js';
import { Pane } from './Pane.js';
import { ColorContext, Line } from './theme.js';
import {
  adrDetail,
  adrLine,
  componentDetail,
  componentLine,
  covenantLines,
  peerDetail,
  peerLine,
  windowed,
} from './view-lines.js';

export interface AppProps {
  data: TuiData;
  color: boolean;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** When the covenant starts, after the first screen (ms); tests may start it at once. */
  covenantDelay?: number;
  /** How long the cursor rests on a memory before it is verified (ms). */
  detailDelay?: number;
  now?: () => number;
}

function useTerminalSize(fixed: AppProps['size']): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({
    columns: stdout.columns || 80,
    rows: stdout.rows || 24,
  }));
  useEffect(() => {
    if (fixed) return;
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}

/** The value of a promise made by `start`, started once `ready` and after `delay` ms. */
function useLater<T>(
  start: (() => Promise<T>) | undefined,
  deps: unknown[],
  delay = 0,
): { value?: T; error?: string } {
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  useEffect(() => {
    setState({});
    if (!start) return;
    let live = true;
    const timer = setTimeout(() => {
      start().then(
        (value) => live && setState({ value }),
        (err: unknown) =>
          live && setState({ error: err instanceof Error ? err.message : String(err) }),
      );
    }, delay);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}

const clamp = (n: number, length: number) => Math.max(0, Math.min(n, Math.max(0, length - 1)));

interface UiState {
  view: View;
  help: boolean;
  query: string;
  /** Keys go to the search box. */
  typing: boolean;
  /** Index into the types present; -1 for all. */
  typeIndex: number;
  cursor: number;
  /** Memories reached by following links, the last one shown. */
  stack: string[];
  linkFocus: number;
  cursors: { adrs: number; deploys: number; federation: number; covenant: number };
}

const INITIAL: UiState = {
  view: 'timeline',
  help: false,
  query: '',
  typing: false,
  typeIndex: -1,
  cursor: 0,
  stack: [],
  linkFocus: 0,
  cursors: { adrs: 0, deploys: 0, federation: 0, covenant: 0 },
};

export function App({ data, color, size, covenantDelay = 100, detailDelay = 150, now }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(size);
  const clock = now ?? Date.now;
  const session = data.session;

  // Keys can arrive faster than React redraws ("/" then "cache" in one burst): the handler
  // reads and writes this ref, never a render's stale copy, and then asks for a redraw.
  const ui = useRef<UiState>(INITIAL);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const update = (patch: Partial<UiState>) => {
    ui.current = { ...ui.current, ...patch };
    redraw();
  };
  const { view, help, query, typing, typeIndex, stack, linkFocus, cursors } = ui.current;
  const offsets = useRef({ timeline: 0, adrs: 0, deploys: 0, federation: 0 });

  const types = useMemo(() => session.types(), [session]);
  const lists = useRef<{ key: string; list: ListSource } | undefined>(undefined);
  const listFor = (state: UiState): ListSource => {
    const type = state.typeIndex >= 0 ? types[state.typeIndex] : undefined;
    const key = `${type ?? ''}\0${state.query}`;
    if (lists.current?.key !== key)
      lists.current = { key, list: session.search(state.query, type ? [type] : []) };
    return lists.current.list;
  };
  const typeFilter = typeIndex >= 0 ? types[typeIndex] : undefined;
  const list = listFor(ui.current);
  const current = Math.min(ui.current.cursor, Math.max(0, list.length - 1));
  const selected = list.at(current);
  const detailId = stack[stack.length - 1] ?? selected?.id;

  // Background work, none of it before the first screen.
  const node = useLater(() => session.node(), [session], 0);
  const root = useLater(async () => data.root(), [data], 0);
  const covenant = useLater(() => data.covenant(), [data], covenantDelay);
  const adrs = useLater<AdrRow[]>(view === 'adrs' ? () => data.adrs() : undefined, [
    view === 'adrs',
  ]);
  const peers = useLater<PeerRow[]>(view === 'federation' ? () => data.federation() : undefined, [
    view === 'federation',
  ]);
  const deploys: ComponentDeploys[] = useMemo(
    () => (view === 'deploys' ? data.deployments() : []),
    [data, view],
  );
  const detail = useLater<DetailResult>(
    detailId ? () => data.detail(detailId) : undefined,
    [detailId],
    detailDelay,
  );
  // What the key handler sees of data that arrives between keys.
  const seen = useRef({ detail, detailId, adrs, peers, deploys });
  seen.current = { detail, detailId, adrs, peers, deploys };

  // Layout: header 2 lines, footer 1; side by side when wide, else list above detail.
  const body = Math.max(3, rows - 3);
  const wide = columns >= 120;
  const listWidth = wide ? Math.floor(columns * 0.5) : columns;
  const detailWidth = wide ? columns - listWidth - 1 : columns;
  const listHeight = wide ? body : Math.max(3, Math.floor(body * 0.45));
  const detailHeight = wide ? body : body - listHeight - 1;
  const page = Math.max(1, listHeight - 1);

  const moveIn = (length: number, at: number, input: string, key: Key): number | undefined => {
    if (key.downArrow || input === 'j') return clamp(at + 1, length);
    if (key.upArrow || input === 'k') return clamp(at - 1, length);
    if (key.pageDown || (key.ctrl && input === 'd')) return clamp(at + page, length);
    if (key.pageUp || (key.ctrl && input === 'u')) return clamp(at - page, length);
    if (key.home || input === 'g') return 0;
    if (key.end || input === 'G') return clamp(length - 1, length);
    return undefined;
  };

  const onKey = (input: string, key: Key): void => {
    const state = ui.current;
    const known = seen.current;
    if (key.ctrl && input === 'c') return exit();
    if (state.help) return update({ help: false });
    const shown = listFor(state);
    const at = Math.min(state.cursor, Math.max(0, shown.length - 1));
    if (state.typing) {
      if (key.return) return update({ typing: false });
      if (key.escape) return update({ typing: false, query: '', cursor: 0 });
      if (key.backspace || key.delete)
        return update({ query: state.query.slice(0, -1), cursor: 0 });
      if (key.upArrow || key.downArrow || key.pageDown || key.pageUp) {
        const next = moveIn(shown.length, at, '', key);
        if (next !== undefined) update({ cursor: next, stack: [], linkFocus: 0 });
        return;
      }
      if (input && !key.ctrl && !key.meta && !key.tab && !key.escape)
        update({ query: state.query + input.replace(/[\r\n]/g, ''), cursor: 0, stack: [] });
      return;
    }
    if (input === 'q') return exit();
    if (input === '?') return update({ help: true });
    const chosen = VIEWS.find((v) => v.key === input);
    if (chosen) return update({ view: chosen.view });
    if (state.view === 'timeline') {
      const result = known.detail.value;
      const links = result?.kind === 'memory' && result.id === known.detailId ? result.links : [];
      if (input === '/') return update({ typing: true, query: '', cursor: 0, stack: [] });
      if (input === 't' || input === 'T') {
        const step = input === 't' ? 1 : -1;
        const n = types.length + 1;
        const typeIndex = ((state.typeIndex + 1 + step + n) % n) - 1;
        return update({ typeIndex, cursor: 0, stack: [], linkFocus: 0 });
      }
      if (key.escape) {
        if (state.stack.length > 0) return update({ stack: [], linkFocus: 0 });
        return update({ query: '', typeIndex: -1, cursor: 0 });
      }
      if (key.tab) {
        if (links.length === 0) return;
        const step = key.shift ? -1 : 1;
        return update({ linkFocus: (state.linkFocus + step + links.length) % links.length });
      }
      if (key.return) {
        const link = links[Math.min(state.linkFocus, links.length - 1)];
        if (link) update({ stack: [...state.stack, link.id], linkFocus: 0 });
        return;
      }
      if (key.backspace || key.delete || input === 'b')
        return update({ stack: state.stack.slice(0, -1), linkFocus: 0 });
      const next = moveIn(shown.length, at, input, key);
      if (next !== undefined) update({ cursor: next, stack: [], linkFocus: 0 });
      return;
    }
    if (key.escape) return update({ view: 'timeline' });
    const view = state.view;
    if (view === 'covenant') return;
    const rowsIn = {
      adrs: known.adrs.value ?? [],
      deploys: known.deploys,
      federation: known.peers.value ?? [],
    };
    const position = clamp(state.cursors[view], rowsIn[view].length);
    if (key.return) {
      const id =
        view === 'adrs'
          ? known.adrs.value?.[position]?.id
          : view === 'deploys'
            ? known.deploys[position]?.ids[0]
            : undefined;
      if (id) update({ view: 'timeline', stack: [...state.stack, id], linkFocus: 0 });
      return;
    }
    const next = moveIn(rowsIn[view].length, position, input, key);
    if (next !== undefined) update({ cursors: { ...state.cursors, [view]: next } });
  };
  useInput((input, key) => {
    // Keys typed faster than they are read arrive as one input ("/cache", "jjj"): take them
    // one by one, as they were typed.
    const plain = !key.ctrl && !key.meta && !key.escape && !key.return && !key.tab;
    const chars = [...input];
    if (plain && chars.length > 1) for (const c of chars) onKey(c, key);
    else onKey(input, key);
  });

  const time = clock();
  let content;
  /** A list view's selected row and first row shown, kept from one frame to the next. */
  const place = (list: 'adrs' | 'deploys' | 'federation', length: number) => {
    const at = clamp(cursors[list], length);
    const offset = scrollOffset(offsets.current[list], at, listHeight, length);
    offsets.current[list] = offset;
    return { at, offset };
  };
  if (help) content = <Help width={columns} height={body} />;
  else if (view === 'timeline') {
    const offset = scrollOffset(offsets.current.timeline, current, listHeight, list.length);
    offsets.current.timeline = offset;
    const heading = stack.length > 0 ? session.byId(detailId ?? '') : selected;
    const lines = detailLines(
      heading,
      detailId ? (detail.value ?? (detail.error ? undefined : 'loading')) : undefined,
      linkFocus,
      (id) => session.byId(id)?.title,
      time,
    );
    if (detail.error) lines.push({ text: `could not verify: ${detail.error}`, tone: 'red' });
    if (stack.length > 0)
      lines.unshift({ text: `followed ${stack.length} link(s): Backspace goes back`, dim: true });
    const empty =
      session.memoryCount === 0
        ? 'no memories yet: `remembrancer record decision "…"` writes the first'
        : query
          ? `no memory matches "${query}"`
          : 'no memories match the filter';
    content = split(
      <MemoryList
        source={list}
        cursor={current}
        offset={offset}
        width={listWidth}
        height={listHeight}
        flagged={covenant.value?.flagged ?? new Set()}
        empty={empty}
        now={time}
      />,
      <Pane lines={lines} width={detailWidth} height={detailHeight} />,
    );
  } else if (view === 'adrs') {
    const rowsOf = adrs.value ?? [];
    const { at, offset } = place('adrs', rowsOf.length);
    const top = adrs.value
      ? windowed(rowsOf, at, offset, listHeight, (a, s) => adrLine(a, s, listWidth, time))
      : [{ text: adrs.error ? `could not read ADRs: ${adrs.error}` : 'reading ADRs…', dim: true }];
    content = split(
      <Pane lines={top} width={listWidth} height={listHeight} />,
      <Pane
        lines={adrs.value ? adrDetail(rowsOf[at]) : []}
        width={detailWidth}
        height={detailHeight}
      />,
    );
  } else if (view === 'deploys') {
    const { at, offset } = place('deploys', deploys.length);
    const top = windowed(deploys, at, offset, listHeight, (g, s) =>
      componentLine(g, session.byId(g.ids[0] ?? ''), s, listWidth, time),
    );
    content = split(
      <Pane lines={top} width={listWidth} height={listHeight} />,
      <Pane
        lines={componentDetail(deploys[at], (id) => session.byId(id), detailHeight, time)}
        width={detailWidth}
        height={detailHeight}
      />,
    );
  } else if (view === 'federation') {
    const rowsOf = peers.value ?? [];
    const { at, offset } = place('federation', rowsOf.length);
    const top = peers.value
      ? windowed(rowsOf, at, offset, listHeight, peerLine)
      : [
          {
            text: peers.error ? `could not read peers: ${peers.error}` : 'reading peers…',
            tone: peers.error ? ('red' as const) : undefined,
          },
        ];
    content = split(
      <Pane lines={top} width={listWidth} height={listHeight} />,
      <Pane
        lines={peers.value ? peerDetail(rowsOf[at]) : []}
        width={detailWidth}
        height={detailHeight}
      />,
    );
  } else {
    content = (
      <Pane lines={covenantLines(covenant.value, covenant.error)} width={columns} height={body} />
    );
  }

  function split(top: ReactNode, bottom: ReactNode) {
    return wide ? (
      <Box flexDirection="row" height={body}>
        {top}
        <Box width={1} />
        {bottom}
      </Box>
    ) : (
      <Box flexDirection="column" height={body}>
        {top}
        <Line text={'─'.repeat(columns)} width={columns} dim />
        {bottom}
      </Box>
    );
  }

  let footer: string;
  if (help) footer = 'Keys: any key closes this help';
  else if (typing) footer = `/${query}▏  ${matches(list)}  Enter keeps · Esc clears`;
  else if (view === 'timeline')
    footer = `${list.length === 0 ? 0 : current + 1}/${list.length}${query ? ` matching "${query}"` : ''}  / search  t type  Tab link  ? help  q quit`;
  else footer = 'j/k move  Enter open  Esc timeline  ? help  q quit';

  return (
    <ColorContext.Provider value={color}>
      <Box flexDirection="column" width={columns} height={rows}>
        <Header
          width={columns}
          node={node.value ?? (node.error ? '?' : '…')}
          memories={session.memoryCount}
          root={root.value}
          covenant={covenant.value}
          covenantError={covenant.error}
          view={view}
          typeFilter={typeFilter}
        />
        {content}
        <Line text={footer} width={columns} dim={!typing} />
      </Box>
    </ColorContext.Provider>
  );
}

function matches(list: ListSource): string {
  if (list.total === undefined) return `${list.length} memories`;
  return list.total > list.length
    ? `${list.length} of ${list.total} matches`
    : `${list.total} matches`;
}
