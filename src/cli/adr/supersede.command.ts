import { ADR_TEXT, COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const supersede = verb({
  command: 'supersede <supersedes> <title>',
  describe: 'Write a new ADR that replaces an older one (accepted unless --status says otherwise)',
  positionals: {
    supersedes: { type: 'string', describe: 'the ADR being replaced' },
    title: { type: 'string', describe: 'the new decision' },
  },
  flags: { ...COMMIT, ...JSON_OUTPUT, ...SIGNING, ...ADR_TEXT },
  examples: [
    [
      '$0 adr supersede ADR-0003 "Move the ledger to CockroachDB" --decision "CockroachDB 24"',
      'replace a decision',
    ],
  ],
  // One use-case writes an ADR, superseding or not.
  load: () => import('./create.js'),
});
