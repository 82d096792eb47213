import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const addTsa = verb({
  command: 'add-tsa <file>',
  describe: 'Trust a Time-Stamp Authority root certificate (PEM or DER)',
  positionals: { file: { type: 'string', describe: 'the TSA root certificate' } },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    name: { type: 'string', describe: 'name for it (default: from its common name)' },
  },
  examples: [['$0 trust add-tsa tsa-root.pem --name acme-tsa', 'trust the tokens of a TSA']],
  load: () => import('./add-tsa.js'),
});
