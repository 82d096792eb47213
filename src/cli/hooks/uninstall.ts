import { uninstallHooks } from '../../operations/hooks.js';
import { findRepository } from '../../ground/repository.js';
import type { IO } from '../../present/io.js';
import type { HooksOptions } from './install.js';
import { printChange } from './shared.js';

export async function run(options: HooksOptions, io: IO): Promise<number> {
  const repo = findRepository(options.cwd ?? process.cwd());
  const change = await uninstallHooks(repo);
  if (options.json) io.json(change);
  else printChange(io, change, 'uninstall');
  return 0;
}
