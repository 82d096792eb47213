/**
 * Ctrl-C in the middle of updating git's index and branch would leave git's lock files
 * behind and the repository half-updated. Like git, we finish such a short critical
 * section first and act on the signal right after.
 */
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

let depth = 0;
let pending: NodeJS.Signals | undefined;
const defer = (signal: NodeJS.Signals) => {
  pending ??= signal;
};

export async function critical<T>(work: () => Promise<T>): Promise<T> {
  if (depth++ === 0) for (const s of SIGNALS) process.on(s, defer);
  try {
    return await work();
  } finally {
    if (--depth === 0) {
      for (const s of SIGNALS) process.off(s, defer);
      if (pending !== undefined) {
        const signal = pending;
        pending = undefined;
        // The section is complete and its locks released: now stop, as the user asked.
        process.exit(CODES[signal] ?? 1);
      }
    }
  }
}
