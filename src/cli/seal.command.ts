import { COMMIT, JSON_OUTPUT, SIGNING } from './flags.js';
import { verb } from './verb.js';

export const seal = verb({
  command: 'seal',
  describe: 'Sign a checkpoint of the current Merkle root',
  flags: { ...COMMIT, ...JSON_OUTPUT, ...SIGNING },
  examples: [['$0 seal', 'seal and commit']],
  load: () => import('./seal.js'),
});
