import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const status = verb({
  command: 'status',
  describe: 'Whether the hooks are installed, and where (exit 1 when one is missing)',
  flags: JSON_OUTPUT,
  examples: [['$0 hooks status', 'where the hooks are and what runs']],
  load: () => import('./status.js'),
});
