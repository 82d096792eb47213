import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const list = verb({
  command: 'list',
  describe: 'List the trust anchors',
  flags: JSON_OUTPUT,
  examples: [['$0 trust list --json', 'trust anchors as JSON']],
  load: () => import('./list.js'),
});
