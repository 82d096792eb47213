import { checkCovenant } from '../policy/covenant-target.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { findingLine } from './render.js';

export interface CovenantOptions extends GlobalOptions {
  base?: string;
  head?: string;
  staged?: boolean;
  allCommits?: boolean;
  json: boolean;
  quiet: boolean;
  /** --no-cache: verify every signature and token again. */
  cache?: boolean;
}

export async function run(options: CovenantOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const bar = io.progress('covenant');
  const report = await checkCovenant(repo, {
    base: options.base,
    head: options.head,
    staged: options.staged,
    allCommits: options.allCommits,
    cache: options.cache,
    onProgress: (_phase, done, total) => bar.update(done, total),
  });
  bar.done();

  if (options.json) {
    io.json(report);
    return report.ok ? 0 : 1;
  }
  const against = report.base ? ` against ${report.base}` : '';
  if (!report.ok) {
    io.out(
      `${io.c.red('✗ covenant broken')}: ${report.violations.length} violation(s) in ${report.candidate}${against} (policy ${report.policy})`,
    );
    for (const v of report.violations) io.out(findingLine(io, v, 'violation'));
  }
  if (!options.quiet) {
    for (const w of report.warnings) io.out(findingLine(io, w, 'warning'));
    for (const n of report.notes) io.note(`note: ${n}`);
  }
  if (report.ok && !options.quiet) {
    io.out(
      `${io.c.green('✓ covenant holds')}: ${report.memories} memories in ${report.candidate}${against}, policy ${report.policy}, ${report.trustAnchors} trust anchor(s)`,
    );
    io.out(io.c.dim(`root ${report.root} over ${report.treeSize}`));
  }
  return report.ok ? 0 : 1;
}
