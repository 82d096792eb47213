/**
 * openRegular and readRegular, how files of a repository that may not be ours are
 * opened: a FIFO (which would wait for ever for a writer), a device such as /dev/zero
 * (which never ends) and a folder are refused before a byte is read, and a file over the
 * size asked for is refused whole.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FileTooLargeError,
  NotRegularFileError,
  openRegular,
  readRegular,
  readRegularAsync,
} from '../../../src/git/regular-file.js';

const dir = mkdtempSync(join(tmpdir(), 'rem-regular-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fifo = join(dir, 'HEAD');
execFileSync('mkfifo', [fifo]);
const device = join(dir, 'packed-refs');
symlinkSync('/dev/zero', device);
const folder = join(dir, 'config');
mkdirSync(folder);
const file = join(dir, 'file');
writeFileSync(file, 'ref: refs/heads/main\n');

describe('readRegular and openRegular', () => {
  it.each([
    [fifo, 'a FIFO'],
    [device, 'a device'],
    [folder, 'a folder'],
  ])('refuse %s as %s, at once', async (path, what) => {
    expect(() => readRegular(path)).toThrow(NotRegularFileError);
    expect(() => openRegular(path)).toThrow(`${path} is ${what}, where a repository keeps a file`);
    await expect(readRegularAsync(path)).rejects.toThrow(NotRegularFileError);
  });

  it('read a regular file whole, and refuse one over the size asked for', async () => {
    expect(readRegular(file).toString()).toBe('ref: refs/heads/main\n');
    expect(await readRegularAsync(file, 'utf8')).toBe('ref: refs/heads/main\n');
    expect(await readRegularAsync(file, { encoding: null })).toEqual(
      Buffer.from('ref: refs/heads/main\n'),
    );
    expect(() => readRegular(file, 5)).toThrow(FileTooLargeError);
    await expect(readRegularAsync(file, null, 5)).rejects.toThrow(FileTooLargeError);
  });
});
