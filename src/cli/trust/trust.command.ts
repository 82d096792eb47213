import { verb } from '../verb.js';
import { add } from './add.command.js';
import { addTsa } from './add-tsa.command.js';
import { list } from './list.command.js';
import { remove } from './remove.command.js';
import { removeTsa } from './remove-tsa.command.js';
import { revoke } from './revoke.command.js';

export const trust = verb({
  command: 'trust <command>',
  describe: 'Manage the public keys this repository trusts',
  children: [add, list, remove, addTsa, removeTsa, revoke],
  demand: 'choose a trust command: add, list, remove, add-tsa or remove-tsa or revoke',
  examples: [
    ['$0 trust add ada.pub.asc', 'trust a colleague'],
    ['$0 trust list', 'the trust anchors'],
  ],
});
