import { relative, resolve, sep, basename } from 'node:path';
import { RemembrancerError } from '../../ground/errors.js';
import { sha256File } from '../../ground/hash.js';
import { buildDeploy, type DeployBody } from '../../memory/memory-types.js';
import { recordMemory } from '../../record/record.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from './output.js';

export interface RecordDeployOptions extends GlobalOptions, SigningOptions {
  component: string;
  version: string;
  sha256?: string;
  evidence?: string;
  env?: string;
  note?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: RecordDeployOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  if (!options.sha256 && !options.evidence) {
    throw new RemembrancerError('USAGE', 'a deploy receipt needs the artifact digest', {
      fix: 'pass --sha256 HEX or --evidence FILE',
    });
  }
  let digest = options.sha256?.toLowerCase().replace(/^sha256:/, '');
  if (digest !== undefined && !/^[0-9a-f]{64}$/.test(digest)) {
    throw new RemembrancerError('USAGE', `--sha256 "${options.sha256}" is not a SHA-256 digest`, {
      fix: 'pass 64 hex characters, e.g. from `sha256sum FILE`',
    });
  }
  let evidence: DeployBody['evidence'];
  let artifactName: string | undefined;
  if (options.evidence) {
    const full = resolve(options.cwd ?? process.cwd(), options.evidence);
    let hashed;
    try {
      hashed = await sha256File(full);
    } catch {
      throw new RemembrancerError('FILE_NOT_FOUND', 'cannot read the evidence file', {
        file: options.evidence,
        fix: 'check the path given to --evidence',
      });
    }
    const rel = relative(repo.root, full);
    const inside = !rel.startsWith('..') && !rel.startsWith(sep) && rel !== '';
    if (!inside)
      io.warn(
        `evidence ${options.evidence} is outside the repository; only its name and digest are recorded`,
      );
    evidence = {
      path: inside ? rel.split(sep).join('/') : basename(full),
      sha256: hashed.sha256,
      size: hashed.size,
    };
    if (digest === undefined) {
      digest = hashed.sha256;
      artifactName = basename(full);
    }
  }
  const body: DeployBody = {
    component: options.component,
    version: options.version,
    ...(options.env ? { environment: options.env } : {}),
    ...(evidence ? { evidence } : {}),
    ...(options.note ? { note: options.note } : {}),
  };
  const result = await recordMemory(
    repo,
    (origin) => buildDeploy(origin, body, digest as string, artifactName),
    () =>
      `remembrancer: deploy ${options.component} ${options.version}${options.env ? ` to ${options.env}` : ''}`,
    { signer: await signer(io, options), commit: options.commit },
  );
  printRecorded(io, result, options.json);
  return 0;
}
