import { installHooks } from '../../operations/hooks.js';
import { findRepository } from '../../ground/repository.js';
import type { GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { currentCli, printChange } from './shared.js';

export interface HooksOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: HooksOptions, io: IO): Promise<number> {
  const repo = findRepository(options.cwd ?? process.cwd());
  const change = await installHooks(repo, { cli: currentCli() });
  if (options.json) io.json(change);
  else printChange(io, change, 'install');
  return 0;
}
