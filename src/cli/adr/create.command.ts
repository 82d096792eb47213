import { ADR_TEXT, COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const create = verb({
  command: 'create <title>',
  describe: 'Write a new ADR (opens $EDITOR on a MADR template when no text is given)',
  positionals: { title: { type: 'string', describe: 'what is being decided' } },
  flags: { ...COMMIT, ...JSON_OUTPUT, ...SIGNING, ...ADR_TEXT },
  examples: [
    ['$0 adr create "Use Postgres for the ledger"', 'write it in your editor'],
    [
      '$0 adr create "Use Postgres" --context "We need ACID" --decision "Postgres 16" --consequences "One more server" --status accepted',
      'all on the command line',
    ],
  ],
  load: () => import('./create.js'),
});
