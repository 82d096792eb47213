/** `init`: the config, the .gitattributes line that protects signed bytes, one commit. */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  defaultNodeName,
  readConfig,
  serializeConfig,
  type Config,
  type Policy,
} from './config.js';
import { RemembrancerError } from '../ground/errors.js';
import { CONFIG_FILE, REM_DIR } from '../ground/paths.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { transact } from './transaction.js';
import { validateConfig } from '../memory/schemas.js';

/** Keeps git's line-ending conversion away from signed bytes (DESIGN.md §2). */
export const GITATTRIBUTES_LINE = `${REM_DIR}/** -text`;

export interface InitResult {
  config: Config;
  created: boolean;
  commit?: string;
  paths: string[];
}

export async function initRepository(
  repo: Repository,
  options: { name?: string | undefined; policy?: Policy | undefined; commit: boolean },
): Promise<InitResult> {
  const existing = await readConfig(new WorkingTreeSnapshot(repo.remDir));
  if (existing) {
    const clash =
      (options.name !== undefined && options.name !== existing.node) ||
      (options.policy !== undefined && options.policy !== existing.policy);
    if (clash) {
      throw new RemembrancerError(
        'ALREADY_INITIALIZED',
        `already initialised as node "${existing.node}" with policy "${existing.policy}"`,
        {
          file: `${REM_DIR}/${CONFIG_FILE}`,
          fix: `edit ${REM_DIR}/${CONFIG_FILE} and commit it to change them`,
        },
      );
    }
    return { config: existing, created: false, paths: [] };
  }
  const config: Config = {
    schema: 1,
    node: options.name ?? defaultNodeName(basename(repo.root)),
    policy: options.policy ?? 'strict',
  };
  validateConfig(config, `${REM_DIR}/${CONFIG_FILE}`);
  const outcome = await transact(
    repo,
    {
      commit: options.commit,
      message: () => `remembrancer: init ${config.node} (${config.policy})`,
    },
    async (tx) => {
      await tx.write(`${REM_DIR}/${CONFIG_FILE}`, serializeConfig(config));
      let attributes: string;
      try {
        attributes = await readFile(join(repo.root, '.gitattributes'), 'utf8');
      } catch {
        attributes = '';
      }
      if (!attributes.split(/\r?\n/).some((l) => l.trim() === GITATTRIBUTES_LINE)) {
        const sep = attributes === '' || attributes.endsWith('\n') ? '' : '\n';
        await tx.write('.gitattributes', `${attributes}${sep}${GITATTRIBUTES_LINE}\n`);
      }
    },
  );
  return {
    config,
    created: true,
    paths: outcome.paths,
    ...(outcome.commit ? { commit: outcome.commit } : {}),
  };
}
