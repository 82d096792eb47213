import { COMMIT, JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const init = verb({
  command: 'init',
  describe: 'Start keeping memory in this git repository',
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    name: { type: 'string', describe: 'node name of this repository (default: its folder name)' },
    policy: {
      choices: ['strict', 'permissive'],
      describe: 'strict requires trusted signatures (default: strict)',
    },
    hooks: {
      type: 'boolean',
      default: false,
      describe: 'also install the pre-commit and pre-push hooks (`hooks install`)',
    },
  },
  examples: [
    ['$0 init', 'initialise with the strict policy, named after the folder'],
    ['$0 init --hooks', 'and check every commit and push from now on'],
    ['$0 init --name payments --policy permissive', 'allow unsigned memories'],
  ],
  load: () => import('./init.js'),
});
