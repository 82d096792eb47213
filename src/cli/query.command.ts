import { FILTERS, JSON_OUTPUT, PEER } from './flags.js';
import { verb } from './verb.js';

export const query = verb({
  command: 'query <text..>',
  describe: 'Search every memory by its words, best match first',
  positionals: {
    text: {
      type: 'string',
      array: true,
      describe: 'words to look for; prefixes and small typos match too',
      // Shown in --help as required words, with no "[default: []]".
      default: undefined,
    },
  },
  flags: {
    ...JSON_OUTPUT,
    ...FILTERS,
    limit: { type: 'number', default: 20, describe: 'show at most this many' },
    ...PEER,
  },
  examples: [
    ['$0 query postgres ledger', 'memories about either word, the best first'],
    ['$0 query rollback --type deploy --since "2 weeks ago"', 'recent deploy receipts'],
    [
      '$0 query "event bus" --author ada --component api --json',
      'filtered, as JSON with snippets and matched words',
    ],
  ],
  load: () => import('./query.js'),
});
