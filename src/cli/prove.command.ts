import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const prove = verb({
  command: 'prove <id>',
  describe: 'Write an evidence bundle that proves a memory offline',
  positionals: { id: { type: 'string', describe: 'the memory id or a unique prefix' } },
  flags: {
    ...JSON_OUTPUT,
    out: { type: 'string', describe: 'bundle file (default: <id>.evidence.json; - for stdout)' },
  },
  examples: [
    ['$0 prove 3f2a9c', 'write 3f2a9c….evidence.json'],
    ['$0 prove 3f2a9c --out - | gzip > receipt.evidence.json.gz', 'to stdout'],
  ],
  load: () => import('./prove.js'),
});
