/**
 * Atomic file replacement: a reader or a crash sees the old file or the new one, never a
 * mix, and no temporary files are left behind.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isTempFile,
  removeStaleTempFiles,
  writeFileAtomic,
  writeFilesAtomic,
} from '../../src/ground/atomic-write.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rem-atomic-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates a file, creating missing parent folders', async () => {
    const path = join(dir, 'memories', 'ab', 'x.json');
    await writeFileAtomic(path, '{"a":1}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}\n');
  });

  it('replaces existing content completely, also with shorter content', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, 'x'.repeat(10_000));
    await writeFileAtomic(path, 'short');
    expect(readFileSync(path, 'utf8')).toBe('short');
    await writeFileAtomic(path, new Uint8Array([0, 1, 2, 255]));
    expect([...readFileSync(path)]).toEqual([0, 1, 2, 255]);
  });

  it('leaves no temporary file behind after success', async () => {
    const path = join(dir, 'file.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two', { fsync: false });
    expect(readdirSync(dir)).toEqual(['file.json']);
  });

  it('applies the requested mode to a new file', async () => {
    const path = join(dir, 'private');
    await writeFileAtomic(path, 'secret', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('fails without leaving a temporary file when the target cannot be replaced', async () => {
    // A directory (with content) sits where the file should go: rename must fail.
    const path = join(dir, 'target');
    mkdirSync(join(path, 'inside'), { recursive: true });
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readdirSync(path)).toEqual(['inside']);
  });

  it('leaves one complete content when many writers race on one path, and readers never see a mix', async () => {
    const path = join(dir, 'contended.json');
    // Different lengths, each above Node's 512 KiB write chunk: a non-atomic writer shows
    // up as a truncated file or as one content with another's tail.
    const contents = Array.from({ length: 10 }, (_, i) =>
      Buffer.alloc(1024 * 1024 + i * 65536, String.fromCharCode(0x41 + i)),
    );
    const initial = Buffer.alloc(1536 * 1024, '0');
    writeFileSync(path, initial);
    const valid = new Set([initial, ...contents].map((b) => b.toString('latin1')));

    for (let round = 0; round < 4; round++) {
      let writing = true;
      const seen: string[] = [];
      const readers = [0, 1].map(async () => {
        while (writing) seen.push((await readFile(path)).toString('latin1'));
      });
      await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
      writing = false;
      await Promise.all(readers);

      const final = readFileSync(path).toString('latin1');
      expect(valid.has(final)).toBe(true);
      expect(final).not.toBe(initial.toString('latin1'));
      expect(seen.length).toBeGreaterThan(0);
      for (const snapshot of seen) expect(valid.has(snapshot)).toBe(true);
    }
    expect(readdirSync(dir)).toEqual(['contended.json']);
  });
});

describe('isTempFile', () => {
  it.each([
    ['.config.json.tmp-1234-abcd0123', true],
    ['.0791be.json.tmp-99-ffffffff', true],
    ['config.json', false],
    ['.gitattributes', false],
    ['.hidden', false],
    ['config.json.tmp-1234-abcd', false],
  ])('%s → %s', (name, expected) => {
    expect(isTempFile(name)).toBe(expected);
  });

  it('recognises the temporary files writeFileAtomic makes', async () => {
    const created = new Set<string>();
    const watcher = watch(dir, (_event, name) => {
      if (name) created.add(name.toString());
    });
    try {
      await writeFileAtomic(join(dir, 'watched.json'), 'x'.repeat(64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    const temps = [...created].filter((name) => name !== 'watched.json');
    expect(temps.length).toBeGreaterThan(0);
    for (const name of temps) {
      expect(name.startsWith('.watched.json')).toBe(true);
      expect(isTempFile(name)).toBe(true);
    }
    expect(isTempFile('watched.json')).toBe(false);
  });
});

describe('removeStaleTempFiles', () => {
  it('removes only .NAME.tmp-… files and keeps everything else', async () => {
    const keep = ['a.json', '.gitattributes', '.hidden', 'b.json.tmp-1-2', 'tmp-notes.txt'];
    const stale = ['.a.json.tmp-123-deadbeef', '.config.json.tmp-9-00000000'];
    for (const name of [...keep, ...stale]) writeFileSync(join(dir, name), name);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', '.x.json.tmp-1-aaaaaaaa'), 'nested');

    await removeStaleTempFiles(dir);

    expect(readdirSync(dir).sort()).toEqual([...keep, 'sub'].sort());
    for (const name of keep) expect(readFileSync(join(dir, name), 'utf8')).toBe(name);
    // It cleans the folder it is given, not the ones below it.
    expect(existsSync(join(dir, 'sub', '.x.json.tmp-1-aaaaaaaa'))).toBe(true);
  });

  it('does nothing when the folder does not exist', async () => {
    await expect(removeStaleTempFiles(join(dir, 'missing'))).resolves.toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeFilesAtomic', () => {
  const allNames = (root: string): string[] =>
    readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();

  it('writes and replaces many files in many folders, leaving no temporary file', async () => {
    mkdirSync(join(dir, 'aa'));
    writeFileSync(join(dir, 'aa', 'old.json'), 'old');
    const files = Array.from({ length: 300 }, (_, i) => ({
      path: join(dir, (i % 7).toString(16).padStart(2, '0'), `m${i}.json`),
      data: Buffer.from(`memory ${i}`),
    }));
    files.push({ path: join(dir, 'aa', 'old.json'), data: Buffer.from('new') });
    await writeFilesAtomic(files);
    for (const f of files) expect(readFileSync(f.path, 'utf8')).toBe(f.data.toString());
    expect(allNames(dir).filter((n) => isTempFile(n.split('/').pop() as string))).toEqual([]);
  });

  it('changes no file when one of them cannot be written, and cleans up after itself', async () => {
    mkdirSync(join(dir, 'aa'));
    writeFileSync(join(dir, 'aa', 'kept.json'), 'kept');
    writeFileSync(join(dir, 'bb'), 'a file where a folder should be');
    const before = allNames(dir);
    await expect(
      writeFilesAtomic([
        { path: join(dir, 'aa', 'kept.json'), data: Buffer.from('replaced') },
        { path: join(dir, 'aa', 'new.json'), data: Buffer.from('new') },
        { path: join(dir, 'bb', 'x.json'), data: Buffer.from('cannot') },
      ]),
    ).rejects.toThrow();
    expect(readFileSync(join(dir, 'aa', 'kept.json'), 'utf8')).toBe('kept');
    expect(allNames(dir)).toEqual(before);
  });
});
