import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const list = verb({
  command: 'list [type]',
  describe: 'List memories, newest first',
  positionals: {
    type: {
      type: 'string',
      describe: 'deploy(ments), decision(s), seal(s), adr(s), adr-status, adr-link, spawn(s)',
    },
  },
  flags: { ...JSON_OUTPUT, limit: { type: 'number', describe: 'show at most this many' } },
  examples: [
    ['$0 list', 'everything'],
    ['$0 list deployments --json', 'deploy receipts as JSON'],
  ],
  load: () => import('./list.js'),
});
