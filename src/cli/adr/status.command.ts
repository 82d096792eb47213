import { ADR_STATUSES, COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const status = verb({
  command: 'status <id> <status>',
  describe: 'Record a new status for an ADR',
  positionals: {
    id: { type: 'string', describe: 'handle or id prefix' },
    status: { choices: ADR_STATUSES },
  },
  flags: { ...COMMIT, ...JSON_OUTPUT, ...SIGNING, note: { type: 'string', describe: 'why' } },
  examples: [['$0 adr status ADR-0007 accepted --note "agreed in review"', 'accept an ADR']],
  load: () => import('./status.js'),
});
