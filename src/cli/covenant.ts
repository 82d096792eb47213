import { runCovenant } from '../core/covenant.js';
import { VerificationCache } from '../core/verify-cache.js';
import { RemembrancerError } from '../core/errors.js';
import { WorkingTreeSnapshot, type Snapshot } from '../core/snapshot.js';
import { CommitSnapshot, IndexSnapshot, headCommit, resolveCommit } from '../git/snapshots.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from './io.js';
import { findingLine } from './render.js';

export interface CovenantOptions extends GlobalOptions {
  base?: string;
  head?: string;
  staged?: boolean;
  json: boolean;
  quiet: boolean;
  /** --no-cache: verify every signature and token again. */
  cache?: boolean;
}

export async function run(options: CovenantOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  if (options.staged && (options.base !== undefined || options.head !== undefined)) {
    throw new RemembrancerError(
      'USAGE',
      '--staged compares the index with HEAD; it takes no --base or --head',
      {
        fix: 'use either --staged, or --base REF [--head REV]',
      },
    );
  }
  const cache = {};
  const head = await headCommit(repo);
  let candidate: Snapshot;
  let history = head;
  if (options.staged) candidate = new IndexSnapshot(repo, cache);
  else if (options.head !== undefined) {
    history = await resolveCommit(repo, options.head, cache);
    candidate = new CommitSnapshot(repo, history, options.head, cache);
  } else candidate = new WorkingTreeSnapshot(repo.remDir);

  let base: Snapshot | undefined;
  if (options.base !== undefined) {
    base = new CommitSnapshot(
      repo,
      await resolveCommit(repo, options.base, cache),
      options.base,
      cache,
    );
  } else if (head) {
    base = new CommitSnapshot(repo, head, 'HEAD', cache);
  }

  const bar = io.progress('covenant');
  const report = await runCovenant({
    repo,
    candidate,
    base,
    history,
    cache: options.cache === false ? undefined : VerificationCache.open(repo),
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
