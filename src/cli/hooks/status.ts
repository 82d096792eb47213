import { hooksStatus } from '../../operations/hooks.js';
import { findRepository } from '../../ground/repository.js';
import type { IO } from '../../present/io.js';
import type { HooksOptions } from './install.js';
import { printStatus } from './shared.js';

/** Exit 1 when a hook is missing, so scripts can `remembrancer hooks status || …`. */
export async function run(options: HooksOptions, io: IO): Promise<number> {
  const repo = findRepository(options.cwd ?? process.cwd());
  const status = await hooksStatus(repo);
  if (options.json) io.json(status);
  else printStatus(io, status);
  return status.hooks.every((h) => h.installed) ? 0 : 1;
}
