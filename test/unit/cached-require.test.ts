import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Each load runs in a node process of its own, as the CLI does: within one process V8 would
// find the script in its in-memory compilation cache and never look at the file.
describe('requireCached', () => {
  let dir: string;
  let cacheHome: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rem-code-cache-'));
    cacheHome = join(dir, 'cache');
    buildSync({
      entryPoints: ['src/cli/cached-require.ts'],
      outfile: join(dir, 'cached-require.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      logLevel: 'warning',
    });
    writeFileSync(
      join(dir, 'load.mjs'),
      `import { requireCached } from './cached-require.mjs';
       const { exports, cache } = requireCached(process.argv[2]);
       console.log(JSON.stringify({ cache, answer: exports.answer, f7: exports.f7(2) }));`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const bundle = (name: string, answer: string) => {
    const file = join(dir, name);
    // Enough code that V8 has something to cache.
    const filler = Array.from({ length: 200 }, (_, i) => `function f${i}(x) { return x * ${i}; }`);
    writeFileSync(file, `${filler.join('\n')}\nexports.answer = ${answer};\nexports.f7 = f7;\n`);
    return file;
  };
  const load = (file: string, home = cacheHome) =>
    JSON.parse(
      execFileSync(process.execPath, [join(dir, 'load.mjs'), file], {
        encoding: 'utf8',
        env: { ...process.env, XDG_CACHE_HOME: home },
      }),
    ) as { cache: string; answer: unknown; f7: number };
  const cacheFiles = () => readdirSync(join(cacheHome, 'remembrancer', 'code-cache')).sort();
  const cacheOf = (name: string) =>
    join(cacheHome, 'remembrancer', 'code-cache', `${name}-${process.version}-${process.arch}.v8`);

  it('compiles from source first, leaves the cache, and starts from it the next time', () => {
    const file = bundle('tui-0123abcd.cjs', '6 * 7');
    expect(load(file)).toEqual({ cache: 'miss', answer: 42, f7: 14 });
    expect(readFileSync(cacheOf('tui-0123abcd.cjs')).length).toBeGreaterThan(500);
    expect(load(file)).toEqual({ cache: 'hit', answer: 42, f7: 14 });
  });

  it('refuses a damaged cache, still loads the bundle, and writes a good cache over it', () => {
    const file = bundle('tui-4567cdef.cjs', '"fine"');
    load(file);
    writeFileSync(cacheOf('tui-4567cdef.cjs'), Buffer.alloc(4096, 7));
    expect(load(file)).toEqual({ cache: 'rejected', answer: 'fine', f7: 14 });
    expect(load(file).cache).toBe('hit');
  });

  it('does not hand V8 a cache changed on disk after it was written', () => {
    const file = bundle('tui-5678abcd.cjs', '"checked"');
    load(file);
    const cache = readFileSync(cacheOf('tui-5678abcd.cjs'));
    const last = cache.length - 1;
    cache[last] = (cache[last] as number) ^ 0xff; // one flipped byte deep inside V8's data
    writeFileSync(cacheOf('tui-5678abcd.cjs'), cache);
    expect(load(file)).toEqual({ cache: 'rejected', answer: 'checked', f7: 14 });
    expect(load(file).cache).toBe('hit');
  });

  it('drops the caches of earlier builds of the same bundle when it writes a new one', () => {
    load(bundle('mcp-11111111.cjs', '1'));
    load(bundle('tui-22222222.cjs', '2'));
    expect(cacheFiles().filter((n) => n.startsWith('tui-'))).toEqual([
      `tui-22222222.cjs-${process.version}-${process.arch}.v8`,
    ]);
    expect(cacheFiles().filter((n) => n.startsWith('mcp-'))).toHaveLength(1);
  });

  it('loads without a cache when the cache folder cannot be written', () => {
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, 'a file where the folder would go');
    const file = bundle('tui-89abcdef.cjs', '"still works"');
    expect(load(file, blocked)).toEqual({ cache: 'miss', answer: 'still works', f7: 14 });
    expect(load(file, blocked).cache).toBe('miss');
  });
});
