/**
 * `spawn`: generate a project and record what was generated. The plan (template, answers,
 * files, target checks) is made before anything is written, so --dry-run and every input
 * error leave the disk exactly as it was.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { RemembrancerError } from '../ground/errors.js';
import { sha256Hex } from '../ground/hash.js';
import { initRepository } from '../store/init.js';
import { buildSpawn, type SpawnBody } from '../memory/memory-types.js';
import { REM_DIR } from '../ground/paths.js';
import { prepareSigning, recordMemory, type RecordResult } from '../record/record.js';
import { findRepository, isInitialized, type Repository } from '../ground/repository.js';
import { addTrustAnchorsArmored } from '../policy/trust-admin.js';
import type { Transaction } from '../store/transaction.js';
import type { Signer } from '../crypto/signer.js';
import { fs, isogit } from '../git/isogit.js';
import { writeFilesTree } from '../git/tree.js';
import { generate, resolveAnswers } from './engine.js';
import { containingRepository, projectPath } from './record.js';
import { loadTemplate, type Template } from './templates.js';
import type { Answers, GeneratedFile } from './types.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function checkName(name: string): void {
  if (!DNS_LABEL.test(name)) {
    throw new RemembrancerError('USAGE', `"${name}" is not a valid project name`, {
      fix: 'use a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    });
  }
}

export interface SpawnRequest {
  templatesRoot: string;
  lang: string;
  target: string;
  answers: Answers;
  force: boolean;
}

export interface SpawnPlan {
  template: Template;
  answers: Answers;
  files: GeneratedFile[];
  /** Absolute project folder. */
  target: string;
  /** The repository that will hold the record; undefined when spawn creates one. */
  repo: Repository | undefined;
  /** The folder relative to that repository's root ("." when spawn creates the repository). */
  path: string;
}

function isEmptyFolder(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) {
    throw new RemembrancerError('TARGET_NOT_EMPTY', `${dir} is a file, not a folder`, {
      fix: 'choose another --dir',
    });
  }
  return readdirSync(dir).length === 0;
}

export async function planSpawn(request: SpawnRequest): Promise<SpawnPlan> {
  checkName(String(request.answers['name']));
  const template = await loadTemplate(request.templatesRoot, request.lang);
  const target = resolve(request.target);
  if (!request.force && !isEmptyFolder(target)) {
    throw new RemembrancerError('TARGET_NOT_EMPTY', `${target} is not empty`, {
      fix: 'choose an empty or new folder with --dir, or pass --force to write into it',
    });
  }
  isEmptyFolder(target); // a file in the way is refused even with --force
  const repo = containingRepository(target);
  if (repo && !isInitialized(repo)) {
    throw new RemembrancerError(
      'NOT_INITIALIZED',
      `${repo.root} holds ${target} but has no ${REM_DIR}/ to record the spawn in`,
      {
        fix: 'run `remembrancer init` there first, or spawn outside any git repository',
      },
    );
  }
  const path = repo ? projectPath(repo, target) : '.';
  // Recorded as resolved (defaults filled in), like the answers file, so a later template
  // version with other defaults regenerates this project's base unchanged.
  const answers = resolveAnswers(template.manifest, request.answers);
  const files = await generate(template, answers);
  return { template, answers, files, target, repo, path };
}

export interface SpawnResult extends RecordResult {
  repo: Repository;
  /** True when spawn created the repository (git init + remembrancer init). */
  createdRepository: boolean;
  tree: string;
}

/** Writes the generated files and records them, in one commit of the containing repository. */
export async function recordSpawn(
  repo: Repository,
  path: string,
  template: Template,
  files: { path: string; content: string | Uint8Array }[],
  answers: Answers,
  options: {
    signer: Signer | undefined;
    commit: boolean;
    /** The record this one replaces (spawn update). */
    updates?: string;
    /** Writes the project's files; by default exactly the generated ones. */
    write?: (tx: Transaction) => Promise<void>;
  },
): Promise<{ result: RecordResult; tree: string }> {
  // Fail on signing problems before any object is written.
  await prepareSigning(repo, options.signer);
  const bytes = files.map((f) => ({
    path: f.path,
    content: typeof f.content === 'string' ? Buffer.from(f.content, 'utf8') : f.content,
  }));
  const tree = await writeFilesTree(repo, bytes);
  const body: SpawnBody = {
    name: String(answers['name']),
    template: { name: template.manifest.name, version: template.manifest.version },
    options: answers,
    path,
    tree,
  };
  const hashes = bytes.map((f) => ({ path: f.path, sha256: sha256Hex(f.content) }));
  const at = (file: string) => (path === '.' ? file : `${path}/${file}`);
  const verb = options.updates ? 'update' : 'spawn';
  const result = await recordMemory(
    repo,
    (origin) => buildSpawn(origin, body, hashes, options.updates),
    () =>
      `remembrancer: ${verb} ${body.name} (${body.template.name} ${body.template.version}) in ${path}`,
    { signer: options.signer, commit: options.commit },
    async (tx) => {
      if (options.write) await options.write(tx);
      else await tx.writeAll(bytes.map((f) => ({ path: at(f.path), content: f.content })));
    },
  );
  return { result, tree };
}

/** A new repository in the project folder: git init, remembrancer init, the signer trusted. */
async function createRepository(
  target: string,
  name: string,
  signer: Signer,
  commit: boolean,
): Promise<Repository> {
  const git = await isogit();
  await mkdir(target, { recursive: true });
  await git.init({ fs, dir: target, defaultBranch: 'main' });
  const repo = findRepository(target);
  await initRepository(repo, { name, policy: 'strict', commit });
  await addTrustAnchorsArmored(repo, [await signer.publicKey()], commit);
  return repo;
}

export async function applySpawn(
  plan: SpawnPlan,
  options: { signer: Signer | undefined; commit: boolean },
): Promise<SpawnResult> {
  const name = String(plan.answers['name']);
  if (plan.repo) {
    const { result, tree } = await recordSpawn(
      plan.repo,
      plan.path,
      plan.template,
      plan.files,
      plan.answers,
      options,
    );
    return { ...result, repo: plan.repo, createdRepository: false, tree };
  }
  if (!options.signer) {
    throw new RemembrancerError(
      'SIGNER_REQUIRED',
      `${plan.target} is outside any git repository, and the new one needs a signing key to trust`,
      {
        fix: 'pass --key FILE or --gpg-key ID, set REMEMBRANCER_KEY, or run `remembrancer key generate`; or spawn inside an initialised repository',
      },
    );
  }
  const existed = existsSync(plan.target);
  const ours = ['.git', REM_DIR, '.gitattributes'].filter((f) => !existsSync(join(plan.target, f)));
  try {
    const repo = await createRepository(plan.target, name, options.signer, options.commit);
    const { result, tree } = await recordSpawn(
      repo,
      '.',
      plan.template,
      plan.files,
      plan.answers,
      options,
    );
    return { ...result, repo, createdRepository: true, tree };
  } catch (err) {
    // Leave nothing half-made behind: the folder as it was before.
    if (existed) {
      for (const made of ours) {
        await rm(join(plan.target, made), { recursive: true, force: true });
      }
    } else await rm(plan.target, { recursive: true, force: true });
    throw err;
  }
}

/** The default project folder: NAME in the current folder. */
export function defaultTarget(cwd: string, name: string): string {
  return join(cwd, basename(name));
}
