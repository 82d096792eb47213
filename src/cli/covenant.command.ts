import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const covenant = verb({
  command: 'covenant',
  describe: 'Check integrity, provenance, time and continuity',
  flags: {
    ...JSON_OUTPUT,
    base: { type: 'string', describe: 'compare with this ref (trust and policy come from it)' },
    head: { type: 'string', describe: 'check this commit instead of the working tree' },
    staged: {
      type: 'boolean',
      describe: 'check what is staged, against HEAD (the pre-commit hook)',
    },
    'all-commits': {
      type: 'boolean',
      describe:
        'look for private keys in every commit reachable from --head, not only in those after --base',
    },
    quiet: { type: 'boolean', default: false, describe: 'print only violations' },
    cache: {
      type: 'boolean',
      default: true,
      describe: 'reuse earlier successful verifications (--no-cache checks everything again)',
    },
  },
  conflicts: ['staged', ['base', 'head', 'all-commits']],
  examples: [
    ['$0 covenant', 'check the working tree against HEAD'],
    ['$0 covenant --staged', 'what a pre-commit hook runs'],
    ['$0 covenant --base origin/main --head HEAD --json', 'check a pull request'],
  ],
  load: () => import('./covenant.js'),
});
