import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const list = verb({
  command: 'list',
  describe: 'List the keys in your user config folder',
  flags: JSON_OUTPUT,
  examples: [['$0 key list', 'show your keys; * marks the default']],
  load: () => import('./list.js'),
});
