/**
 * What a command did on its own that the user did not ask for, such as finishing or
 * undoing an interrupted write: always said, on stderr, so that a script's stdout (and
 * --json) stays exactly what it asked for. A host that renders its own output (the TUI,
 * a test) may take the messages instead.
 */
type Listener = (message: string) => void;

const toStderr: Listener = (message) => process.stderr.write(`remembrancer: ${message}\n`);
let listener: Listener = toStderr;

export function notice(message: string): void {
  listener(message);
}

/** Sends notices to `next` until the returned function is called. */
export function captureNotices(next: Listener): () => void {
  const previous = listener;
  listener = next;
  return () => {
    listener = previous;
  };
}
