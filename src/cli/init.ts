import type { Policy } from '../store/config.js';
import { initRepository } from '../store/init.js';
import { findRepository } from '../ground/repository.js';
import type { GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import type { HooksChange } from '../operations/hooks.js';

export interface InitOptions extends GlobalOptions {
  name?: string;
  policy?: Policy;
  commit: boolean;
  json: boolean;
  hooks?: boolean;
}

export async function run(options: InitOptions, io: IO): Promise<number> {
  const repo = findRepository(options.cwd ?? process.cwd());
  const result = await initRepository(repo, {
    name: options.name,
    policy: options.policy,
    commit: options.commit,
  });
  let hooks: HooksChange | undefined;
  if (options.hooks) {
    const { installHooks } = await import('../operations/hooks.js');
    const { currentCli } = await import('./hooks/shared.js');
    hooks = await installHooks(repo, { cli: currentCli() });
  }
  if (options.json) {
    io.json({
      node: result.config.node,
      policy: result.config.policy,
      created: result.created,
      commit: result.commit ?? null,
      ...(hooks ? { hooks } : {}),
    });
    return 0;
  }
  if (hooks) {
    const where = hooks.mode === 'simple-git-hooks' ? 'simple-git-hooks' : hooks.hooksDir;
    io.out(`hooks: pre-commit and pre-push in ${where}`);
    for (const n of hooks.notes) io.note(`note: ${n}`);
  }
  if (!result.created) {
    io.out(`already initialised: node ${result.config.node}, policy ${result.config.policy}`);
    return 0;
  }
  io.out(
    `initialised ${io.c.bold(result.config.node)} with the ${result.config.policy} policy in ${repo.root}`,
  );
  io.out(
    result.commit
      ? io.c.dim(`committed ${result.commit.slice(0, 7)}`)
      : io.c.dim('staged, not committed'),
  );
  if (result.config.policy === 'strict') {
    io.out(
      `next: ${io.c.cyan('remembrancer key generate --trust')} (or ${io.c.cyan('remembrancer trust add KEY.asc')})`,
    );
  }
  return 0;
}
