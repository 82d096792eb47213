import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const status = verb({
  command: 'status',
  describe: 'Last sync of each peer: when, result, peer root, counts, keys',
  flags: JSON_OUTPUT,
  examples: [['$0 federation status', 'how each peer is doing']],
  load: () => import('./status.js'),
});
