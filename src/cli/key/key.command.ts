import { verb } from '../verb.js';
import { generate } from './generate.command.js';
import { list } from './list.command.js';

export const key = verb({
  command: 'key <command>',
  describe: 'Create and list your signing keys',
  children: [generate, list],
  demand: 'choose a key command: generate or list',
  examples: [
    ['$0 key generate --trust', 'a new signing key, trusted in this repository'],
    ['$0 key list', 'your keys'],
  ],
});
