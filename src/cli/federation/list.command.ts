import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const list = verb({
  command: 'list',
  describe: 'List the peers',
  flags: JSON_OUTPUT,
  examples: [['$0 federation list --json', 'peers as JSON']],
  load: () => import('./list.js'),
});
