import { JSON_OUTPUT, PEER } from './flags.js';
import { verb } from './verb.js';

export const show = verb({
  command: 'show <id>',
  aliases: ['receipt'],
  describe: 'Show one memory and check its signatures',
  positionals: {
    id: { type: 'string', describe: 'the id, or a unique prefix of 4+ hex digits' },
  },
  flags: { ...JSON_OUTPUT, ...PEER },
  examples: [
    ['$0 show 3f2a9c', 'a memory by id prefix'],
    ['$0 receipt 3f2a9c --json', 'the envelope and its verification as JSON'],
  ],
  load: () => import('./show.js'),
});
