import { createInterface } from 'node:readline/promises';
import { relative, resolve } from 'node:path';
import { RemembrancerError } from '../../ground/errors.js';
import { applySpawn, defaultTarget, planSpawn } from '../../spawn/create.js';
import { signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { templatesRoot } from './options.js';

export interface SpawnOptions extends GlobalOptions, SigningOptions {
  name?: string;
  kind?: 'service' | 'worker';
  lang: string;
  dir?: string;
  withMcp: boolean;
  withMq?: 'rabbitmq' | 'nats';
  description?: string;
  owner?: string;
  templates?: string;
  dryRun: boolean;
  yes: boolean;
  force: boolean;
  commit: boolean;
  json: boolean;
}

async function confirm(io: IO, question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !io.isStderrTTY) return true;
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    const answer = (await rl.question(`${question} [Y/n] `)).trim().toLowerCase();
    return answer === '' || answer === 'y' || answer === 'yes';
  } finally {
    rl.close();
  }
}

export async function run(options: SpawnOptions, io: IO): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const kind = options.kind ?? 'service';
  const name = options.name;
  if (name === undefined) {
    throw new RemembrancerError('USAGE', 'spawn needs a project name', {
      fix: 'remembrancer spawn NAME [service|worker] (see remembrancer spawn --help)',
    });
  }
  if (options.withMq && kind !== 'worker') {
    throw new RemembrancerError('USAGE', '--with-mq gives a worker its broker', {
      fix: `spawn a worker: remembrancer spawn ${name} worker --with-mq ${options.withMq}`,
    });
  }
  const sign = options.dryRun ? undefined : await signer(io, options);
  const answers = {
    name: name,
    kind,
    mcp: options.withMcp,
    mq: options.withMq ?? 'none',
    owner: options.owner ?? sign?.identity.name ?? `The ${name} authors`,
    year: String(new Date().getUTCFullYear()),
    ...(options.description !== undefined ? { description: options.description } : {}),
  };
  const plan = await planSpawn({
    templatesRoot: templatesRoot(options.templates, cwd),
    lang: options.lang,
    target: options.dir ? resolve(cwd, options.dir) : defaultTarget(cwd, name),
    answers,
    force: options.force,
  });
  const where = relative(cwd, plan.target) || '.';
  const recordIn = plan.repo ? plan.repo.root : `a new repository in ${plan.target}`;
  const template = `${plan.template.manifest.name} ${plan.template.manifest.version}`;
  if (options.dryRun) {
    if (options.json) {
      io.json({
        dryRun: true,
        target: plan.target,
        template: plan.template.manifest.name,
        version: plan.template.manifest.version,
        repository: plan.repo?.root ?? null,
        files: plan.files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) })),
      });
      return 0;
    }
    io.out(`would write ${plan.files.length} files into ${where} (${template}, ${kind}):`);
    for (const f of plan.files)
      io.out(`  ${f.path}  ${io.c.dim(`${Buffer.byteLength(f.content)} bytes`)}`);
    io.out(io.c.dim(`and record a spawn memory in ${recordIn}; nothing was written (--dry-run)`));
    return 0;
  }
  if (!options.yes && !(await confirm(io, `write ${plan.files.length} files into ${where}?`))) {
    io.err('nothing written');
    return 1;
  }
  const result = await applySpawn(plan, { signer: sign, commit: options.commit });
  if (options.json) {
    io.json({
      target: plan.target,
      template: plan.template.manifest.name,
      version: plan.template.manifest.version,
      files: plan.files.map((f) => f.path),
      tree: result.tree,
      repository: result.repo.root,
      createdRepository: result.createdRepository,
      id: result.memory.id,
      commit: result.commit ?? null,
      warnings: result.warnings,
    });
    return 0;
  }
  for (const w of result.warnings) io.warn(w);
  io.out(
    `spawned ${io.c.bold(name)} (${template}, ${kind}): ${plan.files.length} files in ${where}`,
  );
  if (result.createdRepository)
    io.out(io.c.dim(`created a repository there, trusting ${sign?.fingerprint ?? ''}`));
  io.out(
    io.c.dim(
      `recorded spawn ${result.memory.id.slice(0, 12)} (tree ${result.tree.slice(0, 12)}) in ${result.repo.root}; ` +
        (result.commit ? `committed ${result.commit.slice(0, 7)}` : 'staged, not committed'),
    ),
  );
  io.out(`next: ${io.c.cyan(`cd ${where} && make test`)}`);
  return 0;
}
