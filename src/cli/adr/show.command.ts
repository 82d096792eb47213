import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const show = verb({
  command: 'show <id>',
  describe: 'Show an ADR with its history and links',
  positionals: { id: { type: 'string', describe: 'handle (ADR-0007, 7) or id prefix' } },
  flags: JSON_OUTPUT,
  examples: [['$0 adr show ADR-0007', 'read one ADR']],
  load: () => import('./show.js'),
});
