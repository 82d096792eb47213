import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const revoke = verb({
  command: 'revoke <fingerprint>',
  describe: 'Revoke a key from now on: its later signatures are rejected (a signed memory)',
  positionals: {
    fingerprint: {
      type: 'string',
      describe: 'fingerprint (or its last 8+ hex digits) of a trusted or peer key',
    },
  },
  flags: {
    ...COMMIT,
    ...SIGNING,
    ...JSON_OUTPUT,
    reason: { type: 'string', describe: 'why, in one line' },
  },
  examples: [
    [
      '$0 trust revoke 7B187091710B32E5 --reason "laptop stolen"',
      'revoke a key, signed by one of your trust anchors',
    ],
  ],
  load: () => import('./revoke.js'),
});
