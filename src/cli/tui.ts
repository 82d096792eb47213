/**
 * `tui`: the interactive browser. It needs a terminal on both ends; scripts and pipes get
 * the commands that print. The TUI itself is a bundle of its own (src/tui/main.ts), loaded
 * through V8's code cache only after that check.
 */
import { fileURLToPath } from 'node:url';
import { RemembrancerError } from '../ground/errors.js';
import type * as TuiBundle from '../tui/main.js';
import { requireCached } from './cached-require.js';
import type { GlobalOptions } from './context.js';
import { IO } from '../present/io.js';

/** The bundle's file name in dist/tui/, hash of its content included (scripts/build.mjs). */
declare const __TUI_BUNDLE__: string;

export async function run(options: GlobalOptions, io: IO): Promise<number> {
  if (!process.stdin.isTTY || !io.isStdoutTTY) {
    throw new RemembrancerError('USAGE', 'tui needs an interactive terminal', {
      fix: 'in scripts and pipes use `remembrancer query`, `timeline` or `show`',
    });
  }
  const bundle = fileURLToPath(new URL(`../tui/${__TUI_BUNDLE__}`, import.meta.url));
  const { runTuiCommand } = requireCached(bundle).exports as typeof TuiBundle;
  const code = await runTuiCommand(options);
  // The covenant may still be checking in the background (minutes at 100,000 memories);
  // nobody is looking any more, so do not wait for it to let the process end.
  setTimeout(() => process.exit(code), 0).unref();
  return code;
}

/** `remembrancer tui` with no options, started without the yargs program (main.ts). */
export async function runAlone(): Promise<number> {
  const io = new IO();
  try {
    return await run({}, io);
  } catch (err) {
    io.error(err);
    return err instanceof RemembrancerError ? err.exitCode : 1;
  }
}
