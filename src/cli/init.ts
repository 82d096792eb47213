import type { Policy } from '../core/config.js';
import { initRepository } from '../core/init.js';
import { findRepository } from '../core/repository.js';
import type { GlobalOptions } from './context.js';
import type { IO } from './io.js';

export interface InitOptions extends GlobalOptions {
  name?: string;
  policy?: Policy;
  commit: boolean;
  json: boolean;
}

export async function run(options: InitOptions, io: IO): Promise<number> {
  const repo = findRepository(options.cwd ?? process.cwd());
  const result = await initRepository(repo, {
    name: options.name,
    policy: options.policy,
    commit: options.commit,
  });
  if (options.json) {
    io.json({
      node: result.config.node,
      policy: result.config.policy,
      created: result.created,
      commit: result.commit ?? null,
    });
    return 0;
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
