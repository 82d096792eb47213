/**
 * The `tui` command as the CLI hands it over (src/cli/tui.ts): entry of the TUI's bundle,
 * dist/tui/tui-HASH.cjs, which carries Ink, React, Yoga and the core code the TUI uses in
 * one CommonJS file that starts from V8's code cache (src/cli/cached-require.ts). Errors
 * are printed here, with this bundle's own copy of the error types, and become the exit code.
 */
import { findRepository, requireInitialized } from '../ground/repository.js';
import { IO } from '../present/io.js';
import { RemembrancerError } from '../ground/errors.js';
import { runTui } from './run.js';
import { initYoga } from './yoga-stand-in.js';

export async function runTuiCommand(options: { cwd?: string | undefined }): Promise<number> {
  const io = new IO();
  try {
    const repo = requireInitialized(findRepository(options.cwd ?? process.cwd()));
    await initYoga();
    await runTui(repo, { color: io.color });
    return 0;
  } catch (err) {
    io.error(err);
    return err instanceof RemembrancerError ? err.exitCode : 1;
  }
}
