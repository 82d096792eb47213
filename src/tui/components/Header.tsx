import { Box } from 'ink';
import type { CovenantSummary } from '../data/index.js';
import { shortId } from '../format.js';
import { Line, type Tone } from './theme.js';

export type View = 'timeline' | 'adrs' | 'deploys' | 'federation' | 'covenant';

export const VIEWS: { view: View; key: string; label: string }[] = [
  { view: 'timeline', key: '1', label: 'Timeline' },
  { view: 'adrs', key: '2', label: 'ADRs' },
  { view: 'deploys', key: '3', label: 'Deploys' },
  { view: 'federation', key: '4', label: 'Federation' },
  { view: 'covenant', key: '5', label: 'Covenant' },
];

export interface HeaderProps {
  width: number;
  node: string;
  memories: number;
  root: { root: string; treeSize: number } | undefined;
  covenant: CovenantSummary | undefined;
  covenantError: string | undefined;
  view: View;
  typeFilter: string | undefined;
}

export function Header(props: HeaderProps) {
  const { width, covenant, covenantError } = props;
  let state: string;
  let tone: Tone | undefined;
  if (covenantError) [state, tone] = ['covenant ? could not run', 'yellow'];
  else if (!covenant) [state, tone] = ['covenant: checking…', undefined];
  else if (covenant.ok) [state, tone] = ['✓ covenant holds', 'green'];
  else [state, tone] = [`✗ covenant broken (${covenant.violations.length})`, 'red'];
  const root = props.root ? `root ${shortId(props.root.root)}` : 'root …';
  const left = `Remembrancer · ${props.node} · ${props.memories} memories · ${root} · `;
  const tabs = VIEWS.map((v) =>
    v.view === props.view ? `[${v.key} ${v.label}]` : ` ${v.key} ${v.label} `,
  ).join('');
  const filter = `type: ${props.typeFilter ?? 'all'}  ?: help`;
  return (
    <Box flexDirection="column" width={width}>
      <Box flexDirection="row">
        <Line text={left} width={Math.min(left.length, Math.max(0, width - state.length))} bold />
        <Line
          text={state}
          width={Math.max(0, width - Math.min(left.length, Math.max(0, width - state.length)))}
          tone={tone}
          bold
        />
      </Box>
      <Line text={`${tabs}  ${filter}`} width={width} dim={false} />
    </Box>
  );
}
