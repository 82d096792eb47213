import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const sync = verb({
  command: 'sync [name]',
  describe: 'Fetch peers, validate what they bring, merge it and sign a receipt',
  positionals: { name: { type: 'string', describe: 'the peer (default: the only one)' } },
  flags: {
    ...SIGNING,
    ...COMMIT,
    ...JSON_OUTPUT,
    all: { type: 'boolean', default: false, describe: 'every peer' },
    'dry-run': {
      type: 'boolean',
      default: false,
      describe: 'fetch and judge, but write no memory',
    },
    timeout: {
      type: 'number',
      describe:
        'give up on a peer after this many seconds (default: REMEMBRANCER_FETCH_TIMEOUT_MS, or 60 s)',
    },
  },
  examples: [
    ['$0 federation sync ops', 'sync one peer'],
    ['$0 federation sync --all --json', 'every peer, for a cron job'],
    ['$0 federation sync ops --dry-run', 'see what would be taken and rejected'],
  ],
  load: () => import('./sync.js'),
});
