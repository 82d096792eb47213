import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const remove = verb({
  command: 'remove <fingerprint>',
  describe: 'Stop trusting a key (by fingerprint or its last 8+ hex digits)',
  positionals: {
    fingerprint: { type: 'string', describe: 'fingerprint as `trust list` shows it' },
  },
  flags: { ...COMMIT, ...JSON_OUTPUT },
  examples: [['$0 trust remove 7B187091710B32E5', 'distrust a key']],
  load: () => import('./remove.js'),
});
