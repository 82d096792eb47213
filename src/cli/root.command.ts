import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const root = verb({
  command: 'root',
  describe: 'Print the Merkle root over all memories (RFC 6962)',
  flags: {
    ...JSON_OUTPUT,
    at: { type: 'string', describe: 'compute the root of the memories at this commit' },
  },
  examples: [
    ['$0 root', 'the root and whether the latest seal covers it'],
    ['$0 root --at v1.2.0', 'the root as of a tag (any revision: HEAD~3, a commit id)'],
  ],
  load: () => import('./root.js'),
});
