import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const link = verb({
  command: 'link <from> <to>',
  describe: 'Record that one ADR relates to, amends or depends on another',
  positionals: {
    from: { type: 'string', describe: 'handle or id prefix' },
    to: { type: 'string', describe: 'handle or id prefix' },
  },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    ...SIGNING,
    rel: { choices: ['relates-to', 'amends', 'depends-on'], demandOption: true },
    note: { type: 'string', describe: 'why' },
  },
  examples: [['$0 adr link ADR-0008 ADR-0002 --rel amends', 'ADR-0008 amends ADR-0002']],
  load: () => import('./link.js'),
});
