/**
 * `tui`: the interactive browser. It needs a terminal on both ends; scripts and pipes get
 * the commands that print. Ink and React load only here, after that check.
 */
import { RemembrancerError } from '../core/errors.js';
import { openRepository, type GlobalOptions } from './context.js';
import { IO } from './io.js';

export async function run(options: GlobalOptions, io: IO): Promise<number> {
  if (!process.stdin.isTTY || !io.isStdoutTTY) {
    throw new RemembrancerError('USAGE', 'tui needs an interactive terminal', {
      fix: 'in scripts and pipes use `remembrancer query`, `timeline` or `show`',
    });
  }
  const repo = openRepository(options);
  const { runTui } = await import('../tui/run.js');
  await runTui(repo, { color: io.color });
  // The covenant may still be checking in the background (minutes at 100,000 memories);
  // nobody is looking any more, so do not wait for it to let the process end.
  setTimeout(() => process.exit(0), 0).unref();
  return 0;
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
