/** What `hooks install`, `uninstall` and `status` print. */
import { realpathSync } from 'node:fs';
import type { HooksChange, HooksStatus } from '../../operations/hooks.js';
import type { IO } from '../../present/io.js';

/** The CLI running now: the hooks fall back to it where no other remembrancer is found. */
export function currentCli(): { node: string; script: string } {
  const script = process.argv[1] ?? '';
  let real = script;
  try {
    real = realpathSync(script);
  } catch {
    // keep the path as given
  }
  return { node: process.execPath, script: real };
}

export function printStatus(io: IO, status: HooksStatus): void {
  const where =
    status.mode === 'simple-git-hooks'
      ? `simple-git-hooks (package.json), hooks written to ${status.hooksDir}`
      : `${status.hooksDir}${status.hooksPath ? ` (core.hooksPath ${status.hooksPath})` : ''}`;
  io.out(`hooks: ${where}`);
  io.table(
    ['hook', 'state', 'runs first'],
    status.hooks.map((h) => [
      h.name,
      h.installed
        ? io.c.green('installed')
        : h.configured
          ? io.c.yellow('in package.json, not applied (run `npx simple-git-hooks`)')
          : io.c.yellow('not installed'),
      h.chained
        ? status.mode === 'simple-git-hooks'
          ? 'your other commands'
          : 'your earlier hook'
        : '',
    ]),
  );
}

export function printChange(io: IO, change: HooksChange, verb: string): void {
  if (change.changed.length === 0) io.out(`nothing to ${verb}: hooks already as asked`);
  for (const c of change.changed) io.out(`${verb === 'install' ? 'wrote' : 'removed'} ${c}`);
  for (const n of change.notes) io.note(`note: ${n}`);
  printStatus(io, change);
}
