import { Box } from 'ink';
import { Line, type LineSpec } from './theme.js';

/** A fixed-size block of lines; lines past its height are not drawn. */
export function Pane({
  lines,
  width,
  height,
}: {
  lines: LineSpec[];
  width: number;
  height: number;
}) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {lines.slice(0, height).map((line, i) => (
        <Line key={i} width={width} {...line} />
      ))}
    </Box>
  );
}
