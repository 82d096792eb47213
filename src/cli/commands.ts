/**
 * Every command's flags, help text and examples. Handlers import their implementation
 * only when that command runs, so --help and --version load none of the heavy modules.
 */
import type { Argv, CommandModule } from 'yargs';
import type { IO } from '../present/io.js';

type Run = (options: never, io: IO) => Promise<number>;
type Loader = () => Promise<{ run: Run }>;

export interface CommandContext {
  io: () => IO;
  /**
   * Runs a command's implementation and records its exit code; first, unless `recover` is
   * false, finishes or undoes a write a crash interrupted.
   */
  execute: (load: Loader, options: Record<string, unknown>, recover: boolean) => Promise<void>;
}

const signing = (y: Argv) =>
  y
    .option('key', {
      type: 'string',
      describe:
        'sign with this private key file (default: REMEMBRANCER_KEY, then your default key)',
    })
    .option('gpg-key', {
      type: 'string',
      describe: 'sign with this GnuPG key id through gpg (default: REMEMBRANCER_KEY_ID)',
    })
    .option('passphrase-env', {
      type: 'string',
      describe: "environment variable that holds the key file's passphrase",
    });

const commit = (y: Argv) =>
  y.option('commit', {
    type: 'boolean',
    default: true,
    describe: 'commit the change (--no-commit only stages it)',
  });

const json = (y: Argv) =>
  y.option('json', {
    type: 'boolean',
    default: false,
    describe: 'print JSON for scripts (docs/json.md)',
  });

const dateHelp = (edge: string) =>
  `only memories created ${edge} this UTC date: 2026-01-31, 2026-01-31T08:00Z, or "2 weeks ago", "yesterday"`;

/** The filters of `query` (timeline takes the type and date ones). */
const filters = (y: Argv) =>
  y
    .option('type', {
      type: 'string',
      describe: 'only this type: deploy(ments), decision(s), seal(s) or spawn(s)',
    })
    .option('since', { type: 'string', describe: dateHelp('on or after') })
    .option('until', { type: 'string', describe: dateHelp('on or before') })
    .option('author', {
      type: 'string',
      describe: "only memories whose author's name contains this (any case)",
    })
    .option('component', { type: 'string', describe: 'only deploy receipts of this component' });

/**
 * Examples as a block after the options, one command per line with its meaning below, so
 * long command lines are not squeezed into a narrow column.
 */
export function examples(list: [string, string][]): string {
  const lines = list.map(
    ([cmd, what]) => `  $ ${cmd.replace(/\$0/g, 'remembrancer')}\n      ${what}`,
  );
  return `Examples:\n${lines.join('\n')}\n\n${EXIT_CODES}`;
}

export const EXIT_CODES = 'Exit codes: 0 success, 1 a check failed, 2 usage or input error.';

/**
 * A project name is not a mistyped sub-command: `spawn ccx` must not become `spawn check`.
 * (yargs 18 takes the flag; @types/yargs does not declare it.)
 */
const withoutRecommendations = (y: Argv): Argv =>
  (y as unknown as { recommendCommands(on: boolean): Argv }).recommendCommands(false);

/** The text flags shared by `adr create` and `adr supersede`. */
const adrText = (y: Argv) =>
  y
    .option('context', { type: 'string', describe: 'the context and problem' })
    .option('decision', { type: 'string', describe: 'the decision and why' })
    .option('consequences', { type: 'string', describe: 'what becomes easier or harder' })
    .option('status', {
      choices: ['proposed', 'accepted', 'rejected', 'deprecated'] as const,
      describe: 'initial status (default: proposed; accepted for supersede)',
    })
    .option('option', {
      type: 'string',
      array: true,
      default: [],
      describe: 'an option considered (repeatable)',
    })
    .option('decider', {
      type: 'string',
      array: true,
      default: [],
      describe: 'who decided (repeatable; default: the signer)',
    })
    .option('tag', { type: 'string', array: true, default: [], describe: 'a tag (repeatable)' })
    .option('edit', { type: 'boolean', describe: 'write it in $EDITOR even without a terminal' });

function opts(argv: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(argv)) {
    if (k === '_' || k === '$0' || k.includes('-')) continue;
    out[k] = v;
  }
  if (typeof argv['C'] === 'string') out['cwd'] = argv['C'];
  return out;
}

export function commands(ctx: CommandContext): CommandModule[] {
  const handler =
    (load: Loader, recover = true) =>
    async (argv: Record<string, unknown>) =>
      ctx.execute(load, opts(argv), recover);
  return [
    {
      command: 'init',
      describe: 'Start keeping memory in this git repository',
      builder: (y) =>
        json(commit(y))
          .option('name', {
            type: 'string',
            describe: 'node name of this repository (default: its folder name)',
          })
          .option('policy', {
            choices: ['strict', 'permissive'] as const,
            describe: 'strict requires trusted signatures (default: strict)',
          })
          .option('hooks', {
            type: 'boolean',
            default: false,
            describe: 'also install the pre-commit and pre-push hooks (`hooks install`)',
          })
          .epilogue(
            examples([
              ['$0 init', 'initialise with the strict policy, named after the folder'],
              ['$0 init --hooks', 'and check every commit and push from now on'],
              ['$0 init --name payments --policy permissive', 'allow unsigned memories'],
            ]),
          ),
      handler: handler(() => import('./init.js') as Promise<{ run: Run }>),
    },
    {
      command: 'key <command>',
      describe: 'Create and list your signing keys',
      builder: (y) =>
        y
          .command({
            command: 'generate',
            describe: 'Create an OpenPGP Ed25519 signing key outside the repository',
            builder: (k) =>
              json(commit(k))
                .option('name', { type: 'string', describe: 'your name (default: git user.name)' })
                .option('email', {
                  type: 'string',
                  describe: 'your email (default: git user.email)',
                })
                .option('out', {
                  type: 'string',
                  describe: 'private key file (default: ~/.config/remembrancer/keys/FPR.key.asc)',
                })
                .option('passphrase-env', {
                  type: 'string',
                  describe: 'protect the key with the passphrase in this environment variable',
                })
                .option('trust', {
                  type: 'boolean',
                  default: false,
                  describe: 'also make it a trust anchor of this repository',
                })
                .epilogue(
                  examples([
                    [
                      '$0 key generate --name "Ada Lovelace" --email ada@example.com --trust',
                      'create a key and trust it here',
                    ],
                    [
                      'KEYPASS=s3cret $0 key generate --passphrase-env KEYPASS --out ~/keys/ci.key.asc',
                      'a protected key at a chosen path',
                    ],
                  ]),
                ),
            handler: handler(() => import('./key/generate.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'list',
            describe: 'List the keys in your user config folder',
            builder: (k) =>
              json(k).epilogue(examples([['$0 key list', 'show your keys; * marks the default']])),
            handler: handler(() => import('./key/list.js') as Promise<{ run: Run }>),
          })
          .demandCommand(1, 'choose a key command: generate or list')
          .epilogue(
            examples([
              ['$0 key generate --trust', 'a new signing key, trusted in this repository'],
              ['$0 key list', 'your keys'],
            ]),
          ),
      handler: () => undefined,
    },
    {
      command: 'trust <command>',
      describe: 'Manage the public keys this repository trusts',
      builder: (y) =>
        y
          .command({
            command: 'add <files..>',
            describe: 'Trust the public keys in these .asc files',
            builder: (k) =>
              json(commit(k))
                .positional('files', {
                  type: 'string',
                  array: true,
                  describe: 'ASCII-armoured public key files',
                })
                .epilogue(
                  examples([
                    ['$0 trust add ada.pub.asc', 'trust a colleague'],
                    [
                      'gpg --armor --export ada@example.com > ada.asc && $0 trust add ada.asc',
                      'trust a GnuPG key',
                    ],
                  ]),
                ),
            handler: handler(() => import('./trust/add.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'list',
            describe: 'List the trust anchors',
            builder: (k) =>
              json(k).epilogue(examples([['$0 trust list --json', 'trust anchors as JSON']])),
            handler: handler(() => import('./trust/list.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'remove <fingerprint>',
            describe: 'Stop trusting a key (by fingerprint or its last 8+ hex digits)',
            builder: (k) =>
              json(commit(k))
                .positional('fingerprint', {
                  type: 'string',
                  describe: 'fingerprint as `trust list` shows it',
                })
                .epilogue(examples([['$0 trust remove 7B187091710B32E5', 'distrust a key']])),
            handler: handler(() => import('./trust/remove.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'add-tsa <file>',
            describe: 'Trust a Time-Stamp Authority root certificate (PEM or DER)',
            builder: (k) =>
              json(commit(k))
                .positional('file', { type: 'string', describe: 'the TSA root certificate' })
                .option('name', {
                  type: 'string',
                  describe: 'name for it (default: from its common name)',
                })
                .epilogue(
                  examples([
                    ['$0 trust add-tsa tsa-root.pem --name acme-tsa', 'trust the tokens of a TSA'],
                  ]),
                ),
            handler: handler(() => import('./trust/add-tsa.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'remove-tsa <name>',
            describe: 'Stop trusting a TSA root',
            builder: (k) =>
              json(commit(k))
                .positional('name', { type: 'string', describe: 'the name `trust list` shows' })
                .epilogue(examples([['$0 trust remove-tsa acme-tsa', 'distrust a TSA root']])),
            handler: handler(() => import('./trust/remove-tsa.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'revoke <fingerprint>',
            describe:
              'Revoke a key from now on: its later signatures are rejected (a signed memory)',
            builder: (k) =>
              json(commit(signing(k)))
                .positional('fingerprint', {
                  type: 'string',
                  describe: 'fingerprint (or its last 8+ hex digits) of a trusted or peer key',
                })
                .option('reason', { type: 'string', describe: 'why, in one line' })
                .epilogue(
                  examples([
                    [
                      '$0 trust revoke 7B187091710B32E5 --reason "laptop stolen"',
                      'revoke a key, signed by one of your trust anchors',
                    ],
                  ]),
                ),
            handler: handler(() => import('./trust/revoke.js') as Promise<{ run: Run }>),
          })
          .demandCommand(
            1,
            'choose a trust command: add, list, remove, add-tsa or remove-tsa or revoke',
          )
          .epilogue(
            examples([
              ['$0 trust add ada.pub.asc', 'trust a colleague'],
              ['$0 trust list', 'the trust anchors'],
            ]),
          ),
      handler: () => undefined,
    },
    {
      command: 'record <command>',
      describe: 'Record a signed memory: a deploy receipt or a decision',
      builder: (y) =>
        y
          .command({
            command: 'deploy',
            describe: 'Record a receipt of a deployment or released artifact',
            builder: (k) =>
              signing(json(commit(k)))
                .version(false)
                .option('component', {
                  type: 'string',
                  demandOption: true,
                  describe: 'what was deployed',
                })
                .option('version', { type: 'string', demandOption: true, describe: 'its version' })
                .option('sha256', { type: 'string', describe: 'SHA-256 of the artifact' })
                .option('evidence', {
                  type: 'string',
                  describe:
                    'a file backing the receipt; hashed, and the artifact digest when --sha256 is absent',
                })
                .option('env', { type: 'string', describe: 'environment deployed to' })
                .option('note', { type: 'string', describe: 'free text' })
                .epilogue(
                  examples([
                    [
                      '$0 record deploy --component api --version 1.4.2 --evidence dist/api.tgz --env production',
                      'receipt for a built artifact',
                    ],
                    [
                      '$0 record deploy --component api --version 1.4.2 --sha256 $(sha256sum api.tgz | cut -c1-64)',
                      'receipt by digest',
                    ],
                  ]),
                ),
            handler: handler(() => import('./record/deploy.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'decision <text>',
            describe: 'Record a decision in a sentence or two',
            builder: (k) =>
              signing(json(commit(k)))
                .positional('text', { type: 'string', describe: 'what was decided and why' })
                .option('tag', {
                  type: 'string',
                  array: true,
                  default: [],
                  describe: 'a tag (repeatable)',
                })
                .epilogue(
                  examples([
                    [
                      '$0 record decision "Use Postgres 16 for the ledger" --tag database --tag ledger',
                      'a tagged decision',
                    ],
                  ]),
                ),
            handler: handler(() => import('./record/decision.js') as Promise<{ run: Run }>),
          })
          .demandCommand(1, 'choose what to record: deploy or decision')
          .epilogue(
            examples([
              [
                '$0 record deploy --component api --version 1.4.2 --evidence dist/api.tgz',
                'a deploy receipt',
              ],
              ['$0 record decision "Use Postgres 16" --tag database', 'a decision'],
            ]),
          ),
      handler: () => undefined,
    },
    {
      command: 'adr <command>',
      describe: 'Architecture decision records: create, list, show, status, supersede, link',
      builder: (y) =>
        y
          .command({
            command: 'create <title>',
            describe: 'Write a new ADR (opens $EDITOR on a MADR template when no text is given)',
            builder: (k) =>
              adrText(signing(json(commit(k))))
                .positional('title', { type: 'string', describe: 'what is being decided' })
                .epilogue(
                  examples([
                    ['$0 adr create "Use Postgres for the ledger"', 'write it in your editor'],
                    [
                      '$0 adr create "Use Postgres" --context "We need ACID" --decision "Postgres 16" --consequences "One more server" --status accepted',
                      'all on the command line',
                    ],
                  ]),
                ),
            handler: handler(() => import('./adr/create.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'list',
            describe: 'List ADRs with their current status',
            builder: (k) =>
              json(k)
                .option('status', {
                  type: 'string',
                  describe:
                    'only this status: proposed, accepted, rejected, deprecated, superseded',
                })
                .epilogue(examples([['$0 adr list --status accepted', 'the decisions in force']])),
            handler: handler(() => import('./adr/list.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'show <id>',
            describe: 'Show an ADR with its history and links',
            builder: (k) =>
              json(k)
                .positional('id', { type: 'string', describe: 'handle (ADR-0007, 7) or id prefix' })
                .epilogue(examples([['$0 adr show ADR-0007', 'read one ADR']])),
            handler: handler(() => import('./adr/show.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'status <id> <status>',
            describe: 'Record a new status for an ADR',
            builder: (k) =>
              signing(json(commit(k)))
                .positional('id', { type: 'string', describe: 'handle or id prefix' })
                .positional('status', {
                  choices: ['proposed', 'accepted', 'rejected', 'deprecated'] as const,
                })
                .option('note', { type: 'string', describe: 'why' })
                .epilogue(
                  examples([
                    ['$0 adr status ADR-0007 accepted --note "agreed in review"', 'accept an ADR'],
                  ]),
                ),
            handler: handler(() => import('./adr/status.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'supersede <supersedes> <title>',
            describe:
              'Write a new ADR that replaces an older one (accepted unless --status says otherwise)',
            builder: (k) =>
              adrText(signing(json(commit(k))))
                .positional('supersedes', { type: 'string', describe: 'the ADR being replaced' })
                .positional('title', { type: 'string', describe: 'the new decision' })
                .epilogue(
                  examples([
                    [
                      '$0 adr supersede ADR-0003 "Move the ledger to CockroachDB" --decision "CockroachDB 24"',
                      'replace a decision',
                    ],
                  ]),
                ),
            handler: handler(() => import('./adr/create.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'link <from> <to>',
            describe: 'Record that one ADR relates to, amends or depends on another',
            builder: (k) =>
              signing(json(commit(k)))
                .positional('from', { type: 'string', describe: 'handle or id prefix' })
                .positional('to', { type: 'string', describe: 'handle or id prefix' })
                .option('rel', {
                  choices: ['relates-to', 'amends', 'depends-on'] as const,
                  demandOption: true,
                })
                .option('note', { type: 'string', describe: 'why' })
                .epilogue(
                  examples([
                    ['$0 adr link ADR-0008 ADR-0002 --rel amends', 'ADR-0008 amends ADR-0002'],
                  ]),
                ),
            handler: handler(() => import('./adr/link.js') as Promise<{ run: Run }>),
          })
          .demandCommand(1, 'choose an adr command: create, list, show, status, supersede or link')
          .epilogue(
            examples([
              ['$0 adr create "Use Postgres for the ledger"', 'write an ADR'],
              ['$0 adr list', 'every ADR and its status'],
            ]),
          ),
      handler: () => undefined,
    },
    {
      command: 'export',
      describe: 'Write the memory as Markdown: one file per ADR, an index, and REMEMBRANCER.md',
      builder: (y) =>
        json(commit(y))
          .option('dir', {
            type: 'string',
            default: 'docs',
            describe: 'folder to write into (ADRs go in DIR/adr/)',
          })
          .epilogue(
            examples([
              ['$0 export', 'docs/adr/*.md, docs/adr/README.md and docs/REMEMBRANCER.md'],
              ['$0 export --dir handbook --no-commit', 'elsewhere, staged only'],
            ]),
          ),
      handler: handler(() => import('./export.js') as Promise<{ run: Run }>),
    },
    {
      command: 'list [type]',
      describe: 'List memories, newest first',
      builder: (y) =>
        json(y)
          .positional('type', {
            type: 'string',
            describe: 'deploy(ments), decision(s), seal(s), adr(s), adr-status, adr-link, spawn(s)',
          })
          .option('limit', { type: 'number', describe: 'show at most this many' })
          .epilogue(
            examples([
              ['$0 list', 'everything'],
              ['$0 list deployments --json', 'deploy receipts as JSON'],
            ]),
          ),
      handler: handler(() => import('./list.js') as Promise<{ run: Run }>),
    },
    {
      command: 'query <text..>',
      describe: 'Search every memory by its words, best match first',
      builder: (y) =>
        filters(json(y))
          .positional('text', {
            type: 'string',
            array: true,
            describe: 'words to look for; prefixes and small typos match too',
            default: undefined,
          })
          .option('limit', { type: 'number', default: 20, describe: 'show at most this many' })
          .option('peer', {
            type: 'string',
            describe: "read an external peer's fetched memories instead of ours",
          })
          .epilogue(
            examples([
              ['$0 query postgres ledger', 'memories about either word, the best first'],
              ['$0 query rollback --type deploy --since "2 weeks ago"', 'recent deploy receipts'],
              [
                '$0 query "event bus" --author ada --component api --json',
                'filtered, as JSON with snippets and matched words',
              ],
            ]),
          ),
      handler: handler(() => import('./query.js') as Promise<{ run: Run }>),
    },
    {
      command: 'timeline',
      describe: 'Memories day by day, newest first',
      builder: (y) =>
        json(y)
          .option('type', {
            type: 'string',
            describe: 'only this type: deploy(ments), decision(s), seal(s) or spawn(s)',
          })
          .option('since', { type: 'string', describe: dateHelp('on or after') })
          .option('until', { type: 'string', describe: dateHelp('on or before') })
          .epilogue(
            examples([
              ['$0 timeline --since "last monday"', 'what happened this week'],
              [
                '$0 timeline --type deploys --since 2026-01-01 --until 2026-01-31 --json',
                "January's deploy receipts as JSON, grouped by day",
              ],
            ]),
          ),
      handler: handler(() => import('./timeline.js') as Promise<{ run: Run }>),
    },
    {
      command: 'tui',
      describe: 'Browse, search and verify the memory full-screen (keys: ? shows them all)',
      builder: (y) =>
        y.epilogue(
          examples([
            ['$0 tui', 'the timeline, newest first; / searches, Enter follows a link, q quits'],
            ['NO_COLOR=1 $0 tui -C ../payments', "another repository's memory, without colour"],
          ]) + ' Needs a terminal; in scripts use query, timeline or show.',
        ),
      handler: handler(() => import('./tui.js') as Promise<{ run: Run }>),
    },
    {
      command: 'show <id>',
      aliases: ['receipt'],
      describe: 'Show one memory and check its signatures',
      builder: (y) =>
        json(y)
          .positional('id', {
            type: 'string',
            describe: 'the id, or a unique prefix of 4+ hex digits',
          })
          .option('peer', {
            type: 'string',
            describe: "read an external peer's fetched memories instead of ours",
          })
          .epilogue(
            examples([
              ['$0 show 3f2a9c', 'a memory by id prefix'],
              ['$0 receipt 3f2a9c --json', 'the envelope and its verification as JSON'],
            ]),
          ),
      handler: handler(() => import('./show.js') as Promise<{ run: Run }>),
    },
    {
      command: 'verify <artifact>',
      describe: 'Check that a file (or sha256) has a valid signed receipt',
      builder: (y) =>
        json(y)
          .positional('artifact', { type: 'string', describe: 'a file to hash, or sha256:<hex>' })
          .option('peer', {
            type: 'string',
            describe: "read an external peer's fetched memories instead of ours",
          })
          .epilogue(
            examples([
              ['$0 verify dist/api.tgz', 'exit 0 when a valid receipt names this file'],
              [
                '$0 verify sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
                'by digest',
              ],
            ]),
          ),
      handler: handler(() => import('./verify.js') as Promise<{ run: Run }>),
    },
    {
      command: 'root',
      describe: 'Print the Merkle root over all memories (RFC 6962)',
      builder: (y) =>
        json(y)
          .option('at', {
            type: 'string',
            describe: 'compute the root of the memories at this commit',
          })
          .epilogue(
            examples([
              ['$0 root', 'the root and whether the latest seal covers it'],
              ['$0 root --at v1.2.0', 'the root as of a tag (any revision: HEAD~3, a commit id)'],
            ]),
          ),
      handler: handler(() => import('./root.js') as Promise<{ run: Run }>),
    },
    {
      command: 'seal',
      describe: 'Sign a checkpoint of the current Merkle root',
      builder: (y) => signing(json(commit(y))).epilogue(examples([['$0 seal', 'seal and commit']])),
      handler: handler(() => import('./seal.js') as Promise<{ run: Run }>),
    },
    {
      command: 'prove <id>',
      describe: 'Write an evidence bundle that proves a memory offline',
      builder: (y) =>
        json(y)
          .positional('id', { type: 'string', describe: 'the memory id or a unique prefix' })
          .option('out', {
            type: 'string',
            describe: 'bundle file (default: <id>.evidence.json; - for stdout)',
          })
          .epilogue(
            examples([
              ['$0 prove 3f2a9c', 'write 3f2a9c….evidence.json'],
              ['$0 prove 3f2a9c --out - | gzip > receipt.evidence.json.gz', 'to stdout'],
            ]),
          ),
      handler: handler(() => import('./prove.js') as Promise<{ run: Run }>),
    },
    {
      command: 'verify-proof <file>',
      describe: 'Check an evidence bundle offline, outside any repository',
      builder: (y) =>
        json(y)
          .positional('file', { type: 'string', describe: 'a bundle written by `prove`' })
          .option('trust', {
            type: 'string',
            array: true,
            default: [],
            describe: 'public key(s) to trust (default: the keys in the bundle)',
          })
          .option('tsa-root', {
            type: 'string',
            array: true,
            default: [],
            describe: 'TSA root certificate(s) to trust (default: the roots in the bundle)',
          })
          .epilogue(
            examples([
              [
                '$0 verify-proof receipt.evidence.json --trust team.pub.asc --tsa-root tsa-root.pem',
                'everything pinned',
              ],
              ['$0 verify-proof receipt.evidence.json --json', 'what is proven, as JSON'],
            ]),
          ),
      handler: handler(() => import('./verify-proof.js') as Promise<{ run: Run }>),
    },
    {
      command: 'timestamp [ids..]',
      describe: 'Get RFC 3161 timestamps for the signatures of memories',
      builder: (y) =>
        json(commit(y))
          .positional('ids', {
            type: 'string',
            array: true,
            default: [],
            describe: 'memory ids or prefixes',
          })
          .option('missing', {
            type: 'boolean',
            default: false,
            describe: 'every signature that lacks a token from a configured TSA',
          })
          .option('tsa', {
            type: 'string',
            describe: 'ask this TSA URL (default: REMEMBRANCER_TSA_URL, then config.json)',
          })
          .epilogue(
            examples([
              ['$0 timestamp --missing', 'stamp everything not yet stamped by the configured TSAs'],
              ['$0 timestamp 3f2a9c --tsa http://tsa.example/tsr', 'one memory, one TSA'],
            ]),
          ),
      handler: handler(() => import('./timestamp.js') as Promise<{ run: Run }>),
    },
    {
      command: 'mcp',
      describe: 'Serve the memory to AI agents over the Model Context Protocol',
      builder: (y) =>
        signing(y)
          .option('read-only', {
            type: 'boolean',
            default: false,
            describe: 'offer no tool that writes (record_decision, create_adr)',
          })
          .option('http', {
            type: 'boolean',
            default: false,
            describe:
              'serve Streamable HTTP instead of stdio; needs a bearer token (REMEMBRANCER_MCP_TOKEN, or one printed once)',
          })
          .option('port', {
            type: 'number',
            describe: 'port for --http (default: 8765; 0 picks a free one)',
          })
          .option('host', {
            type: 'string',
            default: '127.0.0.1',
            describe: 'address for --http to listen on',
          })
          .epilogue(
            examples([
              ['$0 mcp', 'stdio, as MCP clients launch it (docs/mcp.md has their settings)'],
              ['$0 mcp --read-only', 'search, read and verify only'],
              [
                'REMEMBRANCER_MCP_TOKEN=$(openssl rand -hex 32) $0 mcp --http --port 8765',
                'Streamable HTTP on http://127.0.0.1:8765/mcp',
              ],
            ]),
          ),
      handler: handler(() => import('./mcp.js') as Promise<{ run: Run }>),
    },
    {
      command: 'spawn [name] [kind]',
      describe: 'Generate a production-ready service or worker and record what was generated',
      builder: (y) =>
        signing(json(commit(withoutRecommendations(y))))
          .command({
            command: 'check <dir>',
            describe: 'Report drift of a spawned project from its record (exit 1 on drift)',
            builder: (k) =>
              json(k)
                .positional('dir', { type: 'string', describe: 'the spawned project folder' })
                .epilogue(
                  examples([
                    ['$0 spawn check services/payments', 'changed, added and removed files'],
                    ['$0 spawn check . --json', 'the same as JSON, in the project folder'],
                  ]),
                ),
            handler: handler(() => import('./spawn/check.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'update <dir>',
            describe: 'Apply the installed template version with a three-way merge',
            builder: (k) =>
              signing(json(commit(k)))
                .positional('dir', { type: 'string', describe: 'the spawned project folder' })
                .option('templates', {
                  type: 'string',
                  describe: 'use the templates in this folder instead of the bundled ones',
                })
                .option('dry-run', {
                  type: 'boolean',
                  default: false,
                  describe: 'show what would change and write nothing',
                })
                .epilogue(
                  examples([
                    ['$0 spawn update services/payments', 'merge the new template into your edits'],
                    ['$0 spawn update . --dry-run', 'what would be updated, merged or kept'],
                  ]),
                ),
            handler: handler(() => import('./spawn/update.js') as Promise<{ run: Run }>),
          })
          .positional('name', {
            type: 'string',
            describe: 'project name, a DNS-1123 label (my-service)',
          })
          .positional('kind', {
            choices: ['service', 'worker'] as const,
            describe: 'an HTTP service (default) or a queue worker',
          })
          .option('lang', {
            choices: ['node', 'python'] as const,
            default: 'node',
            describe: 'TypeScript on Node.js, or Python with FastAPI',
          })
          .option('dir', { type: 'string', describe: 'project folder (default: ./NAME)' })
          .option('with-mcp', {
            type: 'boolean',
            default: false,
            describe: "add an MCP server exposing the service's context",
          })
          .option('with-mq', {
            choices: ['rabbitmq', 'nats'] as const,
            describe: 'worker: consume from this broker (adds its client and compose service)',
          })
          .option('description', { type: 'string', describe: 'one sentence for the README' })
          .option('owner', {
            type: 'string',
            describe: 'copyright holder in LICENSE (default: the signer)',
          })
          .option('templates', {
            type: 'string',
            describe: 'use the templates in this folder instead of the bundled ones',
          })
          .option('dry-run', {
            type: 'boolean',
            default: false,
            describe: 'list the files that would be written and write nothing',
          })
          .option('yes', {
            alias: 'y',
            type: 'boolean',
            default: false,
            describe: 'do not ask for confirmation in a terminal',
          })
          .option('force', {
            type: 'boolean',
            default: false,
            describe: 'write into a folder that is not empty',
          })
          .epilogue(
            examples([
              ['$0 spawn payments', 'a TypeScript HTTP service in ./payments'],
              [
                '$0 spawn billing-jobs worker --lang python --with-mq rabbitmq',
                'a FastAPI worker consuming from RabbitMQ',
              ],
              [
                '$0 spawn api --dir services/api --with-mcp --yes',
                'inside this repository, with MCP',
              ],
              ['$0 spawn api --dry-run', 'list what would be written'],
              ['$0 spawn check services/api', 'drift since generation'],
              ['$0 spawn update services/api', 'apply a newer template version'],
            ]),
          ),
      handler: handler(() => import('./spawn/create.js') as Promise<{ run: Run }>),
    },
    {
      command: 'hooks <command>',
      describe: 'Install the git hooks that check every commit and push',
      builder: (y) =>
        y
          .command({
            command: 'install',
            describe:
              'Add the pre-commit and pre-push hooks (simple-git-hooks config, or the hooks folder git uses; existing hooks keep running)',
            builder: (k) =>
              json(k).epilogue(
                examples([
                  [
                    '$0 hooks install',
                    'check staged memories on commit and pushed commits on push',
                  ],
                  [
                    'git config core.hooksPath .githooks && $0 hooks install',
                    'into core.hooksPath',
                  ],
                ]),
              ),
            handler: handler(() => import('./hooks/install.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'uninstall',
            describe: 'Remove our hooks and put back the ones that were there before',
            builder: (k) =>
              json(k).epilogue(examples([['$0 hooks uninstall', 'remove them cleanly']])),
            handler: handler(() => import('./hooks/uninstall.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'status',
            describe: 'Whether the hooks are installed, and where (exit 1 when one is missing)',
            builder: (k) =>
              json(k).epilogue(
                examples([['$0 hooks status', 'where the hooks are and what runs']]),
              ),
            handler: handler(() => import('./hooks/status.js') as Promise<{ run: Run }>),
          })
          .demandCommand(1, 'choose a hooks command: install, uninstall or status')
          .epilogue(
            examples([
              ['$0 hooks install', 'install the hooks'],
              ['$0 hooks status', 'check them'],
            ]),
          ),
      handler: () => undefined,
    },
    {
      command: 'federation <command>',
      describe: 'Share memory with peer repositories: add, sync, verify',
      builder: (y) =>
        y
          .command({
            command: 'add <name> <url>',
            describe: 'Federate with a peer repository (committed in peers.json)',
            builder: (k) =>
              json(commit(k))
                .positional('name', { type: 'string', describe: 'a short name for the peer' })
                .positional('url', {
                  type: 'string',
                  describe: 'path, file://, http(s):// or ssh URL of its repository',
                })
                .option('ref', {
                  type: 'string',
                  describe: 'its branch or ref to fetch (default refs/heads/main)',
                })
                .option('key', {
                  type: 'string',
                  array: true,
                  default: [],
                  describe: 'public key file(s) trusted to sign what this peer brings',
                })
                .option('scope', {
                  type: 'string',
                  array: true,
                  default: [],
                  describe: 'only take these memory types from it (default: every type)',
                })
                .option('tier', {
                  choices: ['core', 'external'],
                  default: 'core',
                  describe: 'core imports; external is fetched and read, never imported',
                })
                .option('node', {
                  type: 'string',
                  describe:
                    'the node name the peer records under (default: NAME); only its keys may sign in that name',
                })
                .epilogue(
                  examples([
                    [
                      '$0 federation add ops https://git.example.com/ops.git --key ops.asc',
                      'a peer over https',
                    ],
                    [
                      '$0 federation add ops-mirror ssh://git@mirror/ops.git --node ops --key ops.asc',
                      'a second route to the node "ops"',
                    ],
                    [
                      '$0 federation add lab ../lab --tier external --scope deploy',
                      'read-only deployments of a local repository',
                    ],
                  ]),
                ),
            handler: handler(() => import('./federation/add.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'remove <name>',
            describe: 'Stop federating with a peer (what it brought stays)',
            builder: (k) =>
              json(commit(k))
                .positional('name', { type: 'string', describe: 'the peer' })
                .epilogue(examples([['$0 federation remove lab', 'forget a peer']])),
            handler: handler(() => import('./federation/remove.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'list',
            describe: 'List the peers',
            builder: (k) =>
              json(k).epilogue(examples([['$0 federation list --json', 'peers as JSON']])),
            handler: handler(() => import('./federation/list.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'sync [name]',
            describe: 'Fetch peers, validate what they bring, merge it and sign a receipt',
            builder: (k) =>
              json(commit(signing(k)))
                .positional('name', {
                  type: 'string',
                  describe: 'the peer (default: the only one)',
                })
                .option('all', { type: 'boolean', default: false, describe: 'every peer' })
                .option('dry-run', {
                  type: 'boolean',
                  default: false,
                  describe: 'fetch and judge, but write no memory',
                })
                .option('timeout', {
                  type: 'number',
                  describe:
                    'give up on a peer after this many seconds (default: REMEMBRANCER_FETCH_TIMEOUT_MS, or 60 s)',
                })
                .epilogue(
                  examples([
                    ['$0 federation sync ops', 'sync one peer'],
                    ['$0 federation sync --all --json', 'every peer, for a cron job'],
                    ['$0 federation sync ops --dry-run', 'see what would be taken and rejected'],
                  ]),
                ),
            handler: handler(() => import('./federation/sync.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'status',
            describe: 'Last sync of each peer: when, result, peer root, counts, keys',
            builder: (k) =>
              json(k).epilogue(examples([['$0 federation status', 'how each peer is doing']])),
            handler: handler(() => import('./federation/status.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'verify-merge <id>',
            describe: 'Recompute a federation receipt from git history',
            builder: (k) =>
              json(k)
                .positional('id', { type: 'string', describe: 'receipt id or prefix' })
                .epilogue(examples([['$0 federation verify-merge 3f2a9c', 'check a receipt']])),
            handler: handler(() => import('./federation/verify-merge.js') as Promise<{ run: Run }>),
          })
          .command({
            command: 'cosign <id>',
            describe: "Add this node's signature to a peer's receipt that recomputes here",
            builder: (k) =>
              json(commit(signing(k)))
                .positional('id', { type: 'string', describe: 'receipt id or prefix' })
                .epilogue(
                  examples([['$0 federation cosign 3f2a9c', "countersign a peer's receipt"]]),
                ),
            handler: handler(() => import('./federation/cosign.js') as Promise<{ run: Run }>),
          })
          .demandCommand(
            1,
            'choose a federation command: add, remove, list, sync, status, verify-merge or cosign',
          ),
      handler: () => undefined,
    },
    {
      command: 'doctor',
      describe: 'Check your set-up: git, gpg, signing key, trust, TSA, hooks, peers, covenant',
      builder: (y) =>
        json(y).epilogue(
          examples([
            ['$0 doctor', 'every check with a fix for each gap; exit 1 when something blocks use'],
            ['$0 doctor --json', 'the checks as JSON'],
          ]),
        ),
      // Doctor reports an interrupted write and leaves it to the next command.
      handler: handler(() => import('./doctor.js') as Promise<{ run: Run }>, false),
    },
    {
      command: 'covenant',
      describe: 'Check integrity, provenance, time and continuity',
      builder: (y) =>
        json(y)
          .option('base', {
            type: 'string',
            describe: 'compare with this ref (trust and policy come from it)',
          })
          .option('head', {
            type: 'string',
            describe: 'check this commit instead of the working tree',
          })
          .option('staged', {
            type: 'boolean',
            describe: 'check what is staged, against HEAD (the pre-commit hook)',
          })
          .option('all-commits', {
            type: 'boolean',
            describe:
              'look for private keys in every commit reachable from --head, not only in those after --base',
          })
          .option('quiet', { type: 'boolean', default: false, describe: 'print only violations' })
          .option('cache', {
            type: 'boolean',
            default: true,
            describe: 'reuse earlier successful verifications (--no-cache checks everything again)',
          })
          .conflicts('staged', ['base', 'head', 'all-commits'])
          .epilogue(
            examples([
              ['$0 covenant', 'check the working tree against HEAD'],
              ['$0 covenant --staged', 'what a pre-commit hook runs'],
              ['$0 covenant --base origin/main --head HEAD --json', 'check a pull request'],
            ]),
          ),
      handler: handler(() => import('./covenant.js') as Promise<{ run: Run }>),
    },
  ];
}
