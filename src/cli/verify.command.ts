import { JSON_OUTPUT, PEER } from './flags.js';
import { verb } from './verb.js';

export const verify = verb({
  command: 'verify <artifact>',
  describe: 'Check that a file (or sha256) has a valid signed receipt',
  positionals: { artifact: { type: 'string', describe: 'a file to hash, or sha256:<hex>' } },
  flags: { ...JSON_OUTPUT, ...PEER },
  examples: [
    ['$0 verify dist/api.tgz', 'exit 0 when a valid receipt names this file'],
    [
      '$0 verify sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      'by digest',
    ],
  ],
  load: () => import('./verify.js'),
});
