import { verb } from '../verb.js';
import { add } from './add.command.js';
import { cosign } from './cosign.command.js';
import { list } from './list.command.js';
import { remove } from './remove.command.js';
import { status } from './status.command.js';
import { sync } from './sync.command.js';
import { verifyMerge } from './verify-merge.command.js';

export const federation = verb({
  command: 'federation <command>',
  describe: 'Share memory with peer repositories: add, sync, verify',
  children: [add, remove, list, sync, status, verifyMerge, cosign],
  demand: 'choose a federation command: add, remove, list, sync, status, verify-merge or cosign',
  examples: [
    ['$0 federation add ops ../ops --key ops.asc', 'federate with a local repository'],
    ['$0 federation sync --all', 'fetch, judge and merge every peer'],
  ],
});
