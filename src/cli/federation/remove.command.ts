import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const remove = verb({
  command: 'remove <name>',
  describe: 'Stop federating with a peer (what it brought stays)',
  positionals: { name: { type: 'string', describe: 'the peer' } },
  flags: { ...COMMIT, ...JSON_OUTPUT },
  examples: [['$0 federation remove lab', 'forget a peer']],
  load: () => import('./remove.js'),
});
