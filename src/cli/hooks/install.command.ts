import { JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const install = verb({
  command: 'install',
  describe:
    'Add the pre-commit and pre-push hooks (simple-git-hooks config, or the hooks folder git uses; existing hooks keep running)',
  flags: JSON_OUTPUT,
  examples: [
    ['$0 hooks install', 'check staged memories on commit and pushed commits on push'],
    ['git config core.hooksPath .githooks && $0 hooks install', 'into core.hooksPath'],
  ],
  load: () => import('./install.js'),
});
