import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const verifyProof = verb({
  command: 'verify-proof <file>',
  describe: 'Check an evidence bundle offline, outside any repository',
  positionals: { file: { type: 'string', describe: 'a bundle written by `prove`' } },
  flags: {
    ...JSON_OUTPUT,
    trust: {
      type: 'string',
      array: true,
      default: [],
      describe: 'public key(s) to trust (default: the keys in the bundle)',
    },
    'tsa-root': {
      type: 'string',
      array: true,
      default: [],
      describe: 'TSA root certificate(s) to trust (default: the roots in the bundle)',
    },
  },
  examples: [
    [
      '$0 verify-proof receipt.evidence.json --trust team.pub.asc --tsa-root tsa-root.pem',
      'everything pinned',
    ],
    ['$0 verify-proof receipt.evidence.json --json', 'what is proven, as JSON'],
  ],
  load: () => import('./verify-proof.js'),
});
