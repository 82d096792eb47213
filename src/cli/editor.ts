/** Opening the user's editor on a text, as git commit does, and reading the result back. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { runInteractive } from '../ground/subprocess.js';
import type { IO } from '../present/io.js';

export function editText(io: IO, initial: string, name: string): string {
  const editor = io.env['VISUAL'] || io.env['EDITOR'] || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'remembrancer-edit-'));
  const file = join(dir, name);
  try {
    writeFileSync(file, initial);
    // Through the shell, so that EDITOR="code --wait" works as it does for git.
    const status = runInteractive('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], io.env);
    if (status !== 0) {
      throw new RemembrancerError('USAGE', `the editor (${editor}) failed; nothing was written`, {
        exitCode: 1,
        fix: 'set VISUAL or EDITOR to an editor that exits 0 when you save',
      });
    }
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
