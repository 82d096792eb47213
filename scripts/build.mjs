// Bundles the CLI with esbuild: one small entry chunk, heavy modules split into chunks that
// load only when a command needs them. The type check is `npm run typecheck` (tsc).
// The bundle is built beside dist/ and swapped in with renames, so a CLI that is running
// (a test, a hook) never sees a half-written dist/.
import { build } from 'esbuild';
import { readFile, rename, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

// Schemas first: the bundle includes the validators compiled from them.
await import('./gen-validators.mjs');
const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const dist = fileURLToPath(new URL('dist', root));
const fresh = `${dist}.tmp-${process.pid}`;
await build({
  entryPoints: {
    cli: 'src/cli/main.ts',
    lib: 'src/index.ts',
  },
  outdir: fresh,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  sourcemap: 'linked',
  define: { __REMEMBRANCER_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    // Bundled CommonJS dependencies call require(); give ESM chunks one.
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// The GitHub Action runs dist/action.js straight from a checkout of this repository, with no
// npm install: one self-contained file, committed, and checked against a fresh build
// (scripts/check-action.mjs), so what runs is what the source says.
await build({
  entryPoints: { action: 'src/action/index.ts' },
  outdir: fresh,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  minify: true,
  define: { __REMEMBRANCER_VERSION__: JSON.stringify(pkg.version) },
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
const old = `${dist}.old-${process.pid}`;
await rename(dist, old).catch(() => undefined);
await rename(fresh, dist);
await rm(old, { recursive: true, force: true });
