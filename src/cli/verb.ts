/**
 * How a CLI verb is declared: its command line, flags, help and examples beside a lazy
 * loader of its `run`. The declaration types `run`'s options, so a flag and the option it
 * fills cannot disagree (a missing flag, a wrong type or a required option that yargs may
 * leave out is a compile error). Declarations import nothing but types, so `--help` and
 * `--version` load no implementation; test/unit/architecture.test.ts keeps it so.
 */
import type { Argv, CommandModule, InferredOptionType, Options, PositionalOptions } from 'yargs';
import type { IO } from '../present/io.js';

export type Flags = Record<string, Options>;
export type Positionals = Record<string, PositionalOptions>;
export type Example = [command: string, meaning: string];

type Camel<S extends string> = S extends `${infer H}-${infer T}`
  ? `${H}${Capitalize<Camel<T>>}`
  : S;
/** `default: []` declares a readonly empty tuple; a run takes a plain array. */
type Plain<T> = T extends readonly (infer E)[] ? E[] : T;
/** The positionals in angle brackets (`<title>`, `<files..>`): yargs always fills them. */
type Demanded<C extends string> = C extends `${string}<${infer Name}>${infer Rest}`
  ? (Name extends `${infer Variadic}..` ? Variadic : Name) | Demanded<Rest>
  : never;

/** What a verb's `run` receives: every flag and positional by its camelCase name. */
export type OptionsOf<C extends string, F extends Flags, P extends Positionals> = {
  [K in keyof F & string as Camel<K>]: Plain<InferredOptionType<F[K]>>;
} & {
  [K in keyof P & string as Camel<K>]: K extends Demanded<C>
    ? NonNullable<Plain<InferredOptionType<P[K]>>>
    : Plain<InferredOptionType<P[K]>>;
} & {
  /** -C: run as if started in this folder. */
  cwd?: string | undefined;
};

export type Run<O> = (options: O, io: IO) => Promise<number>;

export interface VerbSpec<C extends string, F extends Flags, P extends Positionals> {
  /** yargs' command line: the verb and its positionals (`show <id>`, `timestamp [ids..]`). */
  command: C;
  aliases?: string[];
  describe: string;
  flags?: F;
  positionals?: P;
  examples: Example[];
  /** A sentence after the examples. */
  note?: string;
  /** A flag that cannot go with the others. */
  conflicts?: [flag: string, others: string[]];
  /** Sub-verbs; with `demand`, one of them is required. */
  children?: Verb[];
  demand?: string;
  /** false where a positional is a free name that must not be "corrected" to a sub-verb. */
  recommend?: boolean;
  /** false for a verb that reports an interrupted write instead of finishing it. */
  recover?: boolean;
  load?: () => Promise<{ run: Run<OptionsOf<C, F, P>> }>;
}

export interface CommandContext {
  /**
   * Runs a verb and records its exit code; first, unless `recover` is false, finishes or
   * undoes a write a crash interrupted in the repository at `cwd`.
   */
  execute: (
    task: (io: IO) => Promise<number>,
    cwd: string | undefined,
    recover: boolean,
  ) => Promise<void>;
}

export type Verb = (ctx: CommandContext) => CommandModule;

export function verb<
  const C extends string,
  const F extends Flags = Record<never, Options>,
  const P extends Positionals = Record<never, PositionalOptions>,
>(spec: VerbSpec<C, F, P>): Verb {
  return (ctx) => ({
    command: spec.command,
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    describe: spec.describe,
    builder: (y: Argv) => {
      let b = spec.recommend === false ? withoutRecommendations(y) : y;
      // A verb with a --version flag of its own (record deploy) gives up yargs' one.
      if (spec.flags && 'version' in spec.flags) b = b.version(false);
      for (const child of spec.children ?? []) b = b.command(child(ctx));
      for (const [name, declared] of Object.entries(spec.positionals ?? {})) {
        b = b.positional(name, declared);
      }
      if (spec.flags) b = b.options(spec.flags);
      if (spec.conflicts) b = b.conflicts(spec.conflicts[0], spec.conflicts[1]);
      if (spec.demand) b = b.demandCommand(1, spec.demand);
      const note = spec.note ? ` ${spec.note}` : '';
      return spec.examples.length ? b.epilogue(examples(spec.examples) + note) : b;
    },
    handler: async (argv: Record<string, unknown>) => {
      const load = spec.load;
      if (!load) return;
      const options = optionsOf(argv) as OptionsOf<C, F, P>;
      await ctx.execute(
        async (io) => (await load()).run(options, io),
        options.cwd,
        spec.recover !== false,
      );
    },
  });
}

/**
 * yargs' argv as a run takes it: camelCase names only (yargs gives both spellings), -C as
 * `cwd`. Its values are what the declarations above typed, as yargs parsed them.
 */
function optionsOf(argv: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(argv)) {
    if (k === '_' || k === '$0' || k.includes('-')) continue;
    out[k] = v;
  }
  if (typeof argv['C'] === 'string') out['cwd'] = argv['C'];
  return out;
}

/**
 * A project name is not a mistyped sub-command: `spawn ccx` must not become `spawn check`.
 * (yargs 18 takes the flag; @types/yargs does not declare it.)
 */
function withoutRecommendations(y: Argv): Argv {
  return (y as unknown as { recommendCommands(on: boolean): Argv }).recommendCommands(false);
}

export const EXIT_CODES = 'Exit codes: 0 success, 1 a check failed, 2 usage or input error.';

/**
 * Examples as a block after the options, one command per line with its meaning below, so
 * long command lines are not squeezed into a narrow column.
 */
export function examples(list: Example[]): string {
  const lines = list.map(
    ([cmd, what]) => `  $ ${cmd.replace(/\$0/g, 'remembrancer')}\n      ${what}`,
  );
  return `Examples:\n${lines.join('\n')}\n\n${EXIT_CODES}`;
}
