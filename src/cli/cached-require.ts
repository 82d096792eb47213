/**
 * Loads a CommonJS bundle through V8's code cache, as Node 22's module.enableCompileCache()
 * does for every module (Node 20 has no such switch). Compiling Ink and React is a third of
 * the TUI's start-up; with the cache V8 takes the compiled functions from disk instead.
 *
 * The cache lives in $XDG_CACHE_HOME/remembrancer (else ~/.cache/remembrancer), one file per
 * bundle, Node version and architecture; the bundle's name carries the hash of its content,
 * so an upgrade never meets an old cache. A cache whose checksum fails is not used, V8
 * itself refuses data that does not fit (another V8, other flags), and then the bundle
 * compiles from source and the cache is written anew. Nothing here is essential: any
 * failure to read or write the cache only costs the time it would have saved.
 */
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import vm from 'node:vm';

/** How long after loading to write a missing cache: after the first frame, so it holds
 * the functions that drawing it compiled, and never in the way of that frame (or at exit,
 * if that comes first). */
const WRITE_AFTER_MS = 300;

export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'remembrancer', 'code-cache');
}

export function codeCacheFile(bundle: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(codeCacheDir(env), `${basename(bundle)}-${process.version}-${process.arch}.v8`);
}

export interface CachedModule {
  exports: unknown;
  /** Whether V8 took the compiled code from the cache, found none, or refused what it found. */
  cache: 'hit' | 'miss' | 'rejected';
}

export function requireCached(bundle: string): CachedModule {
  const bytes = readFileSync(bundle);
  // ASCII (as the build makes it) reads as one-byte text, much faster than decoding UTF-8.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cacheFile = codeCacheFile(bundle);
  let stored: Buffer | undefined;
  try {
    stored = readFileSync(cacheFile);
  } catch {
    // first run, or no cache directory: compile from source
  }
  const cachedData = stored && intact(stored);
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    { filename: bundle, ...(cachedData ? { cachedData } : {}) },
  );
  const module = { exports: {} as unknown };
  const factory = script.runInThisContext() as (...args: unknown[]) => void;
  factory(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  const cache =
    stored === undefined
      ? 'miss'
      : cachedData === undefined || script.cachedDataRejected
        ? 'rejected'
        : 'hit';
  if (cache !== 'hit') {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      process.off('exit', write);
      writeCache(script, cacheFile);
    };
    setTimeout(write, WRITE_AFTER_MS).unref();
    process.once('exit', write); // a session shorter than that still leaves the cache
  }
  return { exports: module.exports, cache };
}

/**
 * A cache file is the SHA-256 of V8's data, then the data: V8 checks that data fits its
 * version, flags and source, but a disk error inside it could reach the compiled code.
 */
const DIGEST_BYTES = 32;

function digest(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** V8's data from a cache file, or undefined when the file is not whole. */
function intact(stored: Buffer): Buffer | undefined {
  if (stored.length <= DIGEST_BYTES) return undefined;
  const data = stored.subarray(DIGEST_BYTES);
  return digest(data).equals(stored.subarray(0, DIGEST_BYTES)) ? data : undefined;
}

function writeCache(script: vm.Script, file: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const data = script.createCachedData();
    writeFileSync(temp, Buffer.concat([digest(data), data]));
    renameSync(temp, file); // readers see the old file or the whole new one
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // no folder to have left it in
    }
    return;
  }
  // Caches of earlier builds of the same bundle (tui-OLDHASH.cjs-…) will never be read again.
  const family = basename(file).replace(/-[0-9a-f]+\.cjs-.*$/, '-');
  if (family === basename(file)) return;
  try {
    for (const name of readdirSync(dirname(file))) {
      if (name.startsWith(family) && name !== basename(file) && name.endsWith('.v8')) {
        rmSync(join(dirname(file), name), { force: true });
      }
    }
  } catch {
    // another process pruned first
  }
}
