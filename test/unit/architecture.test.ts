/**
 * The layers of docs/architecture.md, held against every import in src/, static and
 * dynamic (import() too, which a lint rule on import declarations would miss). Imports are
 * read by TypeScript's own pre-processor, so comments and strings are never taken for one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'src');

/** Each folder of src/ and the folders it may import, besides itself. */
const GROUND: string[] = [];
const BASE = ['ground', 'git', 'crypto'];
const DOMAIN = [
  'memory',
  'record',
  'store',
  'proof',
  'policy',
  'adr',
  'search',
  'federation',
  'operations',
  'spawn',
];
const FRONT_ENDS = ['cli', 'tui', 'mcp', 'action'];
const MAY_IMPORT: Record<string, string[]> = {
  ground: GROUND,
  git: ['ground'],
  crypto: ['ground', 'git'],
  ...Object.fromEntries(DOMAIN.map((d) => [d, [...BASE, ...DOMAIN]])),
  present: [...BASE, ...DOMAIN],
  ...Object.fromEntries(FRONT_ENDS.map((f) => [f, [...BASE, ...DOMAIN, 'present']])),
  'index.ts': [...BASE, ...DOMAIN, 'present'],
};

/**
 * The CLI is the one binary: its `mcp` and `tui` verbs start the other front-ends through
 * their entry files (the MCP server's context and its two transports, each loaded only when
 * chosen), and import nothing else of them.
 */
const LAUNCHERS = new Set([
  'cli/mcp.ts -> mcp/context.ts',
  'cli/mcp.ts -> mcp/http.ts',
  'cli/mcp.ts -> mcp/stdio.ts',
  'cli/tui.ts -> tui/main.ts',
]);

function sources(dir: string, generated = false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory())
      return e.name === 'generated' && !generated ? [] : sources(path, generated);
    return /\.tsx?$/.test(e.name) ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'));
}

/** src-relative path of an import's target, with .js read as the .ts beside it. */
function target(file: string, specifier: string): string {
  const path = relative(src, join(dirname(file), specifier))
    .split('\\')
    .join('/');
  return path.replace(/\.js$/, '.ts');
}

const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0]! : path);

const edges = sources(src).flatMap((file) => {
  const from = relative(src, file).split('\\').join('/');
  return importsOf(file).map((specifier) => ({ from, to: target(file, specifier) }));
});

describe('the layers of src/', () => {
  it('reads the imports of every folder it names, and names every folder there is', () => {
    const folders = new Set(edges.map((e) => folderOf(e.from)));
    expect([...folders].filter((f) => !(f in MAY_IMPORT))).toEqual([]);
    expect(edges.length).toBeGreaterThan(500);
    // The reader itself: a dynamic import is an edge too.
    expect(edges).toContainEqual({ from: 'cli/app.ts', to: 'store/recovery.ts' });
  });

  it('no folder imports a folder above it, and no front-end imports another', () => {
    const wrong = edges
      .filter(({ from, to }) => {
        if (to.startsWith('..')) return false; // schemas/*.json, package.json
        const a = folderOf(from);
        const b = folderOf(to);
        if (a === b || LAUNCHERS.has(`${from} -> ${to}`)) return false;
        return !MAY_IMPORT[a]!.includes(b);
      })
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('the ground floor imports nothing of ours but itself', () => {
    const out = edges.filter((e) => folderOf(e.from) === 'ground' && folderOf(e.to) !== 'ground');
    expect(out).toEqual([]);
  });

  it('every relative import names a file that exists', () => {
    const files = new Set(sources(src, true).map((f) => relative(src, f).split('\\').join('/')));
    const missing = edges
      .filter(({ to }) => !to.startsWith('..') && !files.has(to) && !files.has(`${to}x`))
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(missing).toEqual([]);
  });
});
