import { verb } from '../verb.js';
import { install } from './install.command.js';
import { status } from './status.command.js';
import { uninstall } from './uninstall.command.js';

export const hooks = verb({
  command: 'hooks <command>',
  describe: 'Install the git hooks that check every commit and push',
  children: [install, uninstall, status],
  demand: 'choose a hooks command: install, uninstall or status',
  examples: [
    ['$0 hooks install', 'install the hooks'],
    ['$0 hooks status', 'check them'],
  ],
});
