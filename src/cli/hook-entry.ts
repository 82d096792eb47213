/**
 * The pre-commit hook's command, `covenant --staged --quiet`, run without the yargs program:
 * its arguments are fixed by hooks/pre-commit, and parsing them costs about a sixth of the
 * hook's budget. Same implementation, same output and exit codes as through yargs.
 */
import { RemembrancerError } from '../ground/errors.js';
import { IO } from '../present/io.js';

export async function runHookCovenant(): Promise<number> {
  const io = new IO();
  try {
    const { run } = await import('./covenant.js');
    return await run({ staged: true, quiet: true, json: false, cache: true }, io);
  } catch (err) {
    io.error(err);
    return err instanceof RemembrancerError ? err.exitCode : 1;
  }
}
