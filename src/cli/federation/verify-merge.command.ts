import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const verifyMerge = verb({
  command: 'verify-merge <id>',
  describe: 'Recompute a federation receipt from git history',
  positionals: { id: { type: 'string', describe: 'receipt id or prefix' } },
  flags: JSON_OUTPUT,
  examples: [['$0 federation verify-merge 3f2a9c', 'check a receipt']],
  load: () => import('./verify-merge.js'),
});
