/**
 * `spawn update`: regenerate what the recorded version produced (the base), read the
 * project as it is (ours), generate with the template now installed (theirs), and merge
 * the three. The new record names the new version and what it generated, and links to
 * the record it updates.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { sha256Hex } from '../ground/hash.js';
import type { RecordResult } from '../record/record.js';
import type { Repository } from '../ground/repository.js';
import type { Signer } from '../crypto/signer.js';
import { readFilesTree } from '../git/tree.js';
import { recordSpawn } from './create.js';
import { generate } from './engine.js';
import { mergeProject, type FileMerge } from './merge.js';
import type { SpawnRecord } from './record.js';
import { loadTemplate } from './templates.js';

export interface UpdatePlan {
  record: SpawnRecord;
  from: string;
  to: string;
  /** How the base was obtained: regenerated, or read from the recorded git tree. */
  baseSource: 'regenerated' | 'recorded tree';
  files: FileMerge[];
  theirs: Map<string, string>;
}

function matchesRecord(files: Map<string, string>, record: SpawnRecord): boolean {
  if (files.size !== record.files.size) return false;
  for (const [path, content] of files) {
    if (record.files.get(path) !== sha256Hex(Buffer.from(content, 'utf8'))) return false;
  }
  return true;
}

/**
 * The files the recorded version generated. Regenerating needs that version of the
 * template; when only a newer one is installed, the recorded tree holds the same bytes.
 * Either way the result must hash to what the record says.
 */
async function baseFiles(
  repo: Repository,
  record: SpawnRecord,
  templatesRoot: string,
): Promise<{ files: Map<string, string>; source: UpdatePlan['baseSource'] }> {
  const template = await loadTemplate(templatesRoot, record.body.template.name);
  if (template.manifest.version === record.body.template.version) {
    const regenerated = new Map(
      (await generate(template, record.body.options)).map((f) => [f.path, f.content]),
    );
    if (matchesRecord(regenerated, record)) return { files: regenerated, source: 'regenerated' };
  }
  const tree = await readFilesTree(repo, record.body.tree);
  if (tree) {
    const files = new Map([...tree].map(([p, b]) => [p, Buffer.from(b).toString('utf8')]));
    if (matchesRecord(files, record)) return { files, source: 'recorded tree' };
  }
  throw new RemembrancerError(
    'SPAWN_INVALID',
    `cannot recover what ${record.body.template.name} ${record.body.template.version} generated`,
    {
      file: record.memory.path,
      fix: `install that template version (--templates DIR), or fetch the commit that holds tree ${record.body.tree.slice(0, 12)}`,
    },
  );
}

export async function planUpdate(
  repo: Repository,
  path: string,
  record: SpawnRecord,
  templatesRoot: string,
): Promise<UpdatePlan> {
  const template = await loadTemplate(templatesRoot, record.body.template.name);
  if (compareVersions(template.manifest.version, record.body.template.version) < 0) {
    throw new RemembrancerError(
      'USAGE',
      `the installed ${template.manifest.name} template (${template.manifest.version}) is older than the one that generated ${path} (${record.body.template.version})`,
      { fix: 'upgrade remembrancer, or pass --templates with that version or a newer one' },
    );
  }
  const base = await baseFiles(repo, record, templatesRoot);
  const theirs = new Map(
    (await generate(template, record.body.options)).map((f) => [f.path, f.content]),
  );
  const dir = path === '.' ? repo.root : join(repo.root, path);
  const ours = new Map<string, string>();
  for (const file of new Set([...base.files.keys(), ...theirs.keys()])) {
    try {
      ours.set(file, await readFile(join(dir, file), 'utf8'));
    } catch {
      // absent: the user deleted it, or it is new in the template
    }
  }
  const from = record.body.template.version;
  const to = template.manifest.version;
  const name = template.manifest.name;
  const files = mergeProject(base.files, ours, theirs, {
    ours: 'yours',
    base: `${name} ${from}`,
    theirs: `${name} ${to}`,
  });
  return { record, from, to, baseSource: base.source, files, theirs };
}

/** Orders semantic versions (major.minor.patch) numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** True when applying the plan would change nothing and the version is the same. */
export function isNoop(plan: UpdatePlan): boolean {
  return plan.from === plan.to && plan.files.every((f) => f.content === undefined);
}

export async function applyUpdate(
  repo: Repository,
  path: string,
  plan: UpdatePlan,
  templatesRoot: string,
  options: { signer: Signer | undefined; commit: boolean },
): Promise<{ result: RecordResult; tree: string; conflicts: string[] }> {
  const template = await loadTemplate(templatesRoot, plan.record.body.template.name);
  const conflicts = plan.files.filter((f) => f.outcome === 'conflict').map((f) => f.path);
  const at = (file: string) => (path === '.' ? file : `${path}/${file}`);
  // With conflicts the change is only staged: the user resolves the markers and commits.
  const { result, tree } = await recordSpawn(
    repo,
    path,
    template,
    [...plan.theirs].map(([p, content]) => ({ path: p, content })),
    plan.record.body.options,
    {
      signer: options.signer,
      commit: options.commit && conflicts.length === 0,
      updates: plan.record.memory.id,
      write: async (tx) => {
        for (const f of plan.files) {
          if (f.content === null) await tx.remove(at(f.path));
          else if (f.content !== undefined) await tx.write(at(f.path), f.content);
        }
      },
    },
  );
  return { result, tree, conflicts };
}
