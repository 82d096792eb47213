/**
 * Running the system's git. Options are ours; operands (URLs, refs, revisions, paths that
 * came from a repository or a peer) go after `--end-of-options`, each checked by `operand`,
 * so that no value we were handed can be read by git as an option (git 2.24 and later
 * honour the marker; doctor asks for 2.25).
 */
import { operand, run, type RunOptions, type RunResult } from '../ground/subprocess.js';

export { operand, UnsafeOperandError } from '../ground/subprocess.js';

/** Transports a peer may use; anything else (ext::, fd::, remote helpers) is refused by git too. */
export const PEER_PROTOCOLS = 'file:git:http:https:ssh';

export interface GitOptions extends RunOptions {
  /** Restrict the transports git may use to those a peer may (GIT_ALLOW_PROTOCOL). */
  peer?: boolean;
}

export function runGit(
  args: readonly string[],
  operands: readonly string[],
  options: GitOptions = {},
): Promise<RunResult> {
  const checked = operands.map((o, i) => operand(o, `git argument ${i + 1}`));
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: '0' };
  if (options.peer) env['GIT_ALLOW_PROTOCOL'] = PEER_PROTOCOLS;
  const argv = checked.length > 0 ? [...args, '--end-of-options', ...checked] : [...args];
  return run('git', argv, { ...options, env });
}

/** git's stdout as text when it exits 0, otherwise undefined. */
export async function gitOutput(
  args: readonly string[],
  operands: readonly string[],
  options: GitOptions = {},
): Promise<string | undefined> {
  const r = await runGit(args, operands, options);
  return r.code === 0 ? r.stdout.toString('utf8') : undefined;
}
