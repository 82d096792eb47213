import { COMMIT, JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const timestamp = verb({
  command: 'timestamp [ids..]',
  describe: 'Get RFC 3161 timestamps for the signatures of memories',
  positionals: {
    ids: { type: 'string', array: true, default: [], describe: 'memory ids or prefixes' },
  },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    missing: {
      type: 'boolean',
      default: false,
      describe: 'every signature that lacks a token from a configured TSA',
    },
    tsa: {
      type: 'string',
      describe: 'ask this TSA URL (default: REMEMBRANCER_TSA_URL, then config.json)',
    },
  },
  examples: [
    ['$0 timestamp --missing', 'stamp everything not yet stamped by the configured TSAs'],
    ['$0 timestamp 3f2a9c --tsa http://tsa.example/tsr', 'one memory, one TSA'],
  ],
  load: () => import('./timestamp.js'),
});
