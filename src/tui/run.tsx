/**
 * Runs the app full-screen: the terminal's alternate screen while it runs, the previous
 * screen and cursor back afterwards, whether it ends by q, Ctrl-C or an error.
 */
import { render } from 'ink';
import type { Repository } from '../ground/repository.js';
import { App } from './components/App.js';
import { openTuiData } from './data/index.js';

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

export async function runTui(repo: Repository, options: { color: boolean }): Promise<void> {
  const data = await openTuiData(repo);
  const stdout = process.stdout;
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(LEAVE_ALT);
  };
  // Whatever ends the process, the user's screen comes back.
  const killed = (signal: NodeJS.Signals) => {
    restore();
    process.exit(128 + (signal === 'SIGHUP' ? 1 : 15));
  };
  process.once('exit', restore);
  process.once('SIGTERM', killed);
  process.once('SIGHUP', killed);
  stdout.write(ENTER_ALT);
  try {
    const app = render(<App data={data} color={options.color} />, {
      exitOnCtrlC: false,
      patchConsole: false,
    });
    await app.waitUntilExit();
    app.cleanup();
  } finally {
    data.close();
    restore();
    process.off('exit', restore);
    process.off('SIGTERM', killed);
    process.off('SIGHUP', killed);
  }
}
