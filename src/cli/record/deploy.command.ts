import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const deploy = verb({
  command: 'deploy',
  describe: 'Record a receipt of a deployment or released artifact',
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    ...SIGNING,
    component: { type: 'string', demandOption: true, describe: 'what was deployed' },
    version: { type: 'string', demandOption: true, describe: 'its version' },
    sha256: { type: 'string', describe: 'SHA-256 of the artifact' },
    evidence: {
      type: 'string',
      describe:
        'a file backing the receipt; hashed, and the artifact digest when --sha256 is absent',
    },
    env: { type: 'string', describe: 'environment deployed to' },
    note: { type: 'string', describe: 'free text' },
  },
  examples: [
    [
      '$0 record deploy --component api --version 1.4.2 --evidence dist/api.tgz --env production',
      'receipt for a built artifact',
    ],
    [
      '$0 record deploy --component api --version 1.4.2 --sha256 $(sha256sum api.tgz | cut -c1-64)',
      'receipt by digest',
    ],
  ],
  load: () => import('./deploy.js'),
});
