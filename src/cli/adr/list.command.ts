import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const list = verb({
  command: 'list',
  describe: 'List ADRs with their current status',
  flags: {
    ...JSON_OUTPUT,
    status: {
      type: 'string',
      describe: 'only this status: proposed, accepted, rejected, deprecated, superseded',
    },
  },
  examples: [['$0 adr list --status accepted', 'the decisions in force']],
  load: () => import('./list.js'),
});
