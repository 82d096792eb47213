import { Box } from 'ink';
import { BINDINGS } from '../keys.js';
import { Pane } from './Pane.js';
import type { LineSpec } from './theme.js';

/** Every key binding, from the one list the app follows. */
export function Help({ width, height }: { width: number; height: number }) {
  // No title line: at 80×24 the bindings fill the body exactly; the footer names the screen.
  const lines: LineSpec[] = [];
  const keyWidth = Math.max(...BINDINGS.flatMap((s) => s.bindings.map((b) => b.keys.length)));
  for (const section of BINDINGS) {
    lines.push({ text: section.section, bold: true, tone: 'cyan' });
    for (const b of section.bindings)
      lines.push({ text: `  ${b.keys.padEnd(keyWidth)}  ${b.does}` });
  }
  if (lines.length <= height || width < 80)
    return <Pane lines={lines} width={width} height={height} />;
  // Too short a terminal for one column: two side by side.
  const half = Math.ceil(lines.length / 2);
  const left = Math.floor(width / 2);
  return (
    <Box flexDirection="row">
      <Pane lines={lines.slice(0, half)} width={left} height={height} />
      <Pane lines={lines.slice(half)} width={width - left} height={height} />
    </Box>
  );
}
