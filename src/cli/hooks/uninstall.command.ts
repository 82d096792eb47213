import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const uninstall = verb({
  command: 'uninstall',
  describe: 'Remove our hooks and put back the ones that were there before',
  flags: JSON_OUTPUT,
  examples: [['$0 hooks uninstall', 'remove them cleanly']],
  load: () => import('./uninstall.js'),
});
