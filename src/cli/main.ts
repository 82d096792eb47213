/**
 * The entry point. `--version` is answered before anything else is loaded, so that it costs
 * little more than starting node; the pre-commit hook's fixed command skips argument parsing
 * (hook-entry.ts), and so does a bare `tui`; everything else goes through the yargs program.
 */
import { VERSION } from './version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(VERSION + '\n');
} else {
  // A reader that stops early (`| head`) is not an error of ours: stop quietly, as cat does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  if (argv.length === 1 && argv[0] === 'tui') {
    // A bare `tui` skips yargs, as --version does: its first screen is what a person waits
    // for. With options it goes through yargs like every command.
    const { runAlone } = await import('./tui.js');
    process.exitCode = await runAlone();
  } else if (argv.join(' ') === 'covenant --staged --quiet') {
    // hooks/pre-commit runs exactly this; hook-entry.ts says why it skips yargs.
    const { runHookCovenant } = await import('./hook-entry.js');
    process.exitCode = await runHookCovenant();
  } else {
    const { run } = await import('./app.js');
    process.exitCode = await run(argv);
  }
}
