/** Colour on or off for the whole app (NO_COLOR, --no-color), and one line of text. */
import { Text } from 'ink';
import { createContext, useContext } from 'react';
import { fit } from '../format.js';

export const ColorContext = createContext(true);

export type Tone = 'green' | 'red' | 'yellow' | 'cyan' | 'magenta' | 'blue' | 'gray';

/** A colour name when colour is on; undefined (the terminal's own) when it is off. */
export function useTone(): (tone: Tone | undefined) => Tone | undefined {
  const color = useContext(ColorContext);
  return (tone) => (color ? tone : undefined);
}

export interface LineProps {
  text: string;
  width: number;
  tone?: Tone | undefined;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

/** Exactly `width` columns: cut with an ellipsis or padded, so panes never wrap or shift. */
export function Line({ text, width, tone, bold, dim, inverse }: LineProps) {
  const paint = useTone();
  return (
    <Text
      wrap="truncate-end"
      color={paint(tone)}
      bold={bold ?? false}
      dimColor={dim ?? false}
      inverse={inverse ?? false}
    >
      {fit(text, width)}
    </Text>
  );
}

export interface LineSpec {
  text: string;
  tone?: Tone | undefined;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}
