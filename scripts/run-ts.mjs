// Runs a TypeScript entry (a benchmark) from source: esbuild bundles it to a temporary
// module beside it, node runs it, the module is removed. Dependencies stay external.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args]');
  process.exit(2);
}
const out = join(dirname(entry), `.${basename(entry, '.ts')}-${process.pid}.mjs`);
await build({
  entryPoints: [entry],
  outfile: out,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
process.argv = [process.argv[0], out, ...rest];
try {
  await import(pathToFileURL(out).href);
} finally {
  await rm(out, { force: true });
}
