import { resolve } from 'node:path';
import { openSpawnedProject } from '../../spawn/record.js';
import { applyUpdate, isNoop, planUpdate } from '../../spawn/update.js';
import { signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { templatesRoot } from './options.js';

export interface SpawnUpdateOptions extends GlobalOptions, SigningOptions {
  dir: string;
  templates?: string;
  dryRun: boolean;
  commit: boolean;
  json: boolean;
}

export async function run(options: SpawnUpdateOptions, io: IO): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const { repo, path, record } = await openSpawnedProject(resolve(cwd, options.dir));
  const root = templatesRoot(options.templates, cwd);
  const plan = await planUpdate(repo, path, record, root);
  const changes = plan.files.filter((f) => f.outcome !== 'kept');
  const summary = {
    path,
    template: record.body.template.name,
    from: plan.from,
    to: plan.to,
    base: plan.baseSource,
    files: plan.files.map((f) => ({ path: f.path, outcome: f.outcome, note: f.note ?? null })),
  };
  if (isNoop(plan)) {
    if (options.json) io.json({ ...summary, updated: false, record: record.memory.id });
    else io.out(`${path} is already at ${summary.template} ${plan.to}; nothing to update`);
    return 0;
  }
  if (options.dryRun) {
    if (options.json) io.json({ ...summary, dryRun: true });
    else {
      io.out(`would update ${path} from ${summary.template} ${plan.from} to ${plan.to}:`);
      io.table(
        ['OUTCOME', 'FILE'],
        changes.map((f) => [f.outcome, f.path]),
      );
    }
    return 0;
  }
  const applied = await applyUpdate(repo, path, plan, root, {
    signer: await signer(io, options),
    commit: options.commit,
  });
  const conflicted = applied.conflicts.length > 0;
  if (options.json) {
    io.json({
      ...summary,
      updated: true,
      record: applied.result.memory.id,
      tree: applied.tree,
      conflicts: applied.conflicts,
      commit: applied.result.commit ?? null,
      warnings: applied.result.warnings,
    });
    return conflicted ? 1 : 0;
  }
  for (const w of applied.result.warnings) io.warn(w);
  io.out(`updated ${path} from ${summary.template} ${plan.from} to ${plan.to}:`);
  io.table(
    ['OUTCOME', 'FILE'],
    changes.map((f) => [f.outcome, f.note ? `${f.path} (${f.note})` : f.path]),
  );
  io.out(
    io.c.dim(
      `recorded spawn ${applied.result.memory.id.slice(0, 12)}; ` +
        (applied.result.commit
          ? `committed ${applied.result.commit.slice(0, 7)}`
          : 'staged, not committed'),
    ),
  );
  if (conflicted) {
    io.err(
      `${io.c.red('conflicts')} in ${applied.conflicts.join(', ')}: both you and the template changed the same lines; resolve the markers, then commit`,
    );
    return 1;
  }
  return 0;
}
