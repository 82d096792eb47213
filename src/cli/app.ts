/** The yargs program: global options, commands, and the one place errors become exit codes. */
import yargs from 'yargs';
import { EXIT_USAGE, RemembrancerError } from '../ground/errors.js';
import { VERBS } from './commands.js';
import { examples, type CommandContext } from './verb.js';
import { IO } from '../present/io.js';
import { VERSION } from './version.js';

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  let io: IO | undefined;
  const getIO = () =>
    (io ??= new IO({
      env,
      color: argv.includes('--no-color') ? false : argv.includes('--color') ? true : undefined,
    }));
  const parser = yargs(argv)
    .scriptName('remembrancer')
    .usage(
      '$0 <command> [options]\n\nA git-native, signed memory for engineering teams: receipts, decisions, seals.',
    )
    .option('C', {
      type: 'string',
      describe: 'run as if started in this folder',
      global: true,
      requiresArg: true,
    })
    .option('color', {
      type: 'boolean',
      describe: 'colour output (NO_COLOR is honoured)',
      global: true,
    })
    .strict()
    .demandCommand(1, 'choose a command')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(VERSION)
    .alias('V', 'version')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(
      examples([
        ['$0 init && $0 key generate --trust', 'start keeping signed memory in this repository'],
        [
          '$0 record deploy --component api --version 1.4.2 --evidence dist/api.tgz',
          'a deploy receipt',
        ],
        ['$0 covenant', 'check everything; exit 1 on any violation'],
      ]) + ' Docs: README.md and docs/.',
    )
    .fail((message, error) => {
      if (error) throw error;
      // yargs writes some messages over several lines; errors here are one line.
      const oneLine = (message ?? 'invalid usage').replace(/\s*\n\s*/g, ' ').trim();
      throw new RemembrancerError('USAGE', oneLine, {
        fix: 'see `remembrancer --help`',
      });
    });
  skipHelpCache(parser);
  const ctx: CommandContext = {
    execute: async (task, cwd, recover) => {
      if (recover) {
        const { recoverBeforeCommand } = await import('../store/recovery.js');
        await recoverBeforeCommand(cwd ?? process.cwd());
      }
      exitCode = await task(getIO());
    },
  };
  for (const verb of VERBS) parser.command(verb(ctx));
  try {
    await parser.parseAsync();
  } catch (err) {
    getIO().error(err);
    return err instanceof RemembrancerError ? err.exitCode : 1;
  }
  return exitCode;
}

/**
 * yargs renders the whole help text after running every command, only so it could show it
 * if an async handler failed. We never show help on a failure (errors are one line), and the
 * rendering (string widths of every option row) costs tens of milliseconds per command,
 * a large share of the pre-commit hook's budget.
 */
function skipHelpCache(parser: unknown): void {
  const internal = (
    parser as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
    }
  ).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

export { EXIT_USAGE };
