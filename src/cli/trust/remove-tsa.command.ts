import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const removeTsa = verb({
  command: 'remove-tsa <name>',
  describe: 'Stop trusting a TSA root',
  positionals: { name: { type: 'string', describe: 'the name `trust list` shows' } },
  flags: { ...COMMIT, ...JSON_OUTPUT },
  examples: [['$0 trust remove-tsa acme-tsa', 'distrust a TSA root']],
  load: () => import('./remove-tsa.js'),
});
