/** The proofs: a known artifact, the Merkle root, the covenants. */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { RemembrancerError } from '../../ground/errors.js';
import type { Repository } from '../../ground/repository.js';
import { finding, signatureStatus } from '../schemas.js';
import { defineTool } from '../tool.js';

/**
 * An agent names files relative to the repository, and only files in it: the real path
 * (symbolic links followed) must lie inside the working tree, so `../../etc/passwd` or a
 * link pointing out is refused before anything is read.
 */
export function fileInRepository(repo: Repository, path: string): string {
  const outside = (why: string) =>
    new RemembrancerError('PATH_OUTSIDE_REPOSITORY', `${why}`, {
      file: path,
      fix: 'give a path inside the repository, relative to its top folder',
    });
  const root = realpathSync(repo.root);
  const wanted = resolve(root, path);
  const rel = relative(root, wanted);
  if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel))
    throw outside('the path is outside the repository');
  let real: string;
  try {
    real = realpathSync(wanted);
  } catch {
    throw new RemembrancerError('FILE_NOT_FOUND', 'no such file in the repository', {
      file: path,
      fix: 'give the path of the artifact relative to the top of the repository',
    });
  }
  if (real !== root && !real.startsWith(root + sep)) {
    throw outside('the path leads out of the repository through a symbolic link');
  }
  if (!statSync(real).isFile()) {
    throw new RemembrancerError('USAGE', 'not a file', { file: path, fix: 'give a file' });
  }
  return real;
}

export const verifyArtifactTool = defineTool({
  name: 'verify_artifact',
  title: 'Verify an artifact',
  description:
    'Is this exact artifact one we hold a valid signed receipt for? Give its sha256, or the path of a file inside the repository (hashed on the server). ok is true when a receipt naming it verifies.',
  input: {
    sha256: z
      .string()
      .regex(/^(?:sha256:)?[0-9a-fA-F]{64}$/, '64 hex digits, optionally after sha256:')
      .optional(),
    path: z
      .string()
      .min(1)
      .optional()
      .describe('a file inside the repository, relative to its top'),
  },
  output: {
    ok: z.boolean(),
    sha256: z.string(),
    source: z.enum(['file', 'digest']),
    reason: z.string(),
    receipts: z.array(
      z.looseObject({
        id: z.string(),
        type: z.string(),
        created: z.string(),
        summary: z.string(),
        valid: z.boolean(),
        signatures: z.array(signatureStatus),
        problems: z.array(z.string()),
      }),
    ),
  },
  run: async (args, ctx) => {
    if ((args.sha256 === undefined) === (args.path === undefined)) {
      throw new RemembrancerError('USAGE', 'give exactly one of sha256 and path', {
        fix: 'pass the digest as sha256, or a file in the repository as path',
      });
    }
    const [{ verifyArtifact, verifyDigest }, { verdictItem }] = await Promise.all([
      import('../../proof/verify-artifact.js'),
      import('../../present/shapes.js'),
    ]);
    const verdict =
      args.path !== undefined
        ? await verifyArtifact(ctx.repo, fileInRepository(ctx.repo, args.path))
        : await verifyDigest(
            ctx.repo,
            (args.sha256 as string).replace(/^sha256:/, '').toLowerCase(),
          );
    return verdictItem(verdict);
  },
});

export const merkleRootTool = defineTool({
  name: 'merkle_root',
  title: 'Merkle root',
  description:
    'The RFC 6962 Merkle root over every memory except seals, and whether the latest seal covers it. With at (a commit, tag or branch), the root of the memories at that commit.',
  input: {
    at: z.string().min(1).optional().describe('a revision: v1.2.0, HEAD~3, a commit id'),
  },
  output: {
    root: z.string(),
    treeSize: z.number().int(),
    commit: z
      .string()
      .nullable()
      .describe('the commit the root is computed at; null: working tree'),
    invalidFiles: z.number().int().describe('memory files that could not be read'),
    latestSeal: z
      .looseObject({
        id: z.string(),
        root: z.string(),
        treeSize: z.number().int(),
        created: z.string(),
        current: z.boolean(),
      })
      .nullable()
      .describe('the newest seal of this node (working tree only)'),
  },
  run: async (args, ctx) => {
    if (args.at !== undefined) {
      const { rootAt } = await import('../../proof/root-at.js');
      const at = await rootAt(ctx.repo, args.at, 'at');
      return {
        root: at.root,
        treeSize: at.treeSize,
        commit: at.commit,
        invalidFiles: at.unreadable,
        latestSeal: null,
      };
    }
    const { currentRoot } = await import('../../proof/current-root.js');
    return { ...(await currentRoot(ctx.repo)), commit: null };
  },
});

export const covenantStatus = defineTool({
  name: 'covenant_status',
  title: 'Covenant status',
  description:
    'Checks the four covenants (integrity, provenance, time, continuity) over the working tree against HEAD, or over a range (base, head) as CI does. ok is false with each violation naming its file, rule and fix.',
  input: {
    base: z.string().min(1).optional().describe('compare with this ref (trust comes from it)'),
    head: z.string().min(1).optional().describe('check this commit instead of the working tree'),
    staged: z.boolean().optional().describe('check what is staged, against HEAD'),
  },
  output: {
    ok: z.boolean(),
    policy: z.enum(['strict', 'permissive']),
    candidate: z.string(),
    base: z.string().nullable(),
    memories: z.number().int(),
    trustAnchors: z.number().int(),
    root: z.string(),
    treeSize: z.number().int(),
    violations: z.array(finding),
    warnings: z.array(finding),
    notes: z.array(z.string()),
  },
  run: async (args, ctx) => {
    const { checkCovenant } = await import('../../policy/covenant-target.js');
    return checkCovenant(ctx.repo, { ...args, names: { base: 'base', head: 'head' } });
  },
});
