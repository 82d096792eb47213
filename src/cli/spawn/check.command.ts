import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const check = verb({
  command: 'check <dir>',
  describe: 'Report drift of a spawned project from its record (exit 1 on drift)',
  positionals: { dir: { type: 'string', describe: 'the spawned project folder' } },
  flags: JSON_OUTPUT,
  examples: [
    ['$0 spawn check services/payments', 'changed, added and removed files'],
    ['$0 spawn check . --json', 'the same as JSON, in the project folder'],
  ],
  load: () => import('./check.js'),
});
