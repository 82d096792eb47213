import { COMMIT, JSON_OUTPUT, SIGNING, TAGS } from '../flags.js';
import { verb } from '../verb.js';

export const decision = verb({
  command: 'decision <text>',
  describe: 'Record a decision in a sentence or two',
  positionals: { text: { type: 'string', describe: 'what was decided and why' } },
  flags: { ...COMMIT, ...JSON_OUTPUT, ...SIGNING, ...TAGS },
  examples: [
    [
      '$0 record decision "Use Postgres 16 for the ledger" --tag database --tag ledger',
      'a tagged decision',
    ],
  ],
  load: () => import('./decision.js'),
});
