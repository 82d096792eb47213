import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const generate = verb({
  command: 'generate',
  describe: 'Create an OpenPGP Ed25519 signing key outside the repository',
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    name: { type: 'string', describe: 'your name (default: git user.name)' },
    email: { type: 'string', describe: 'your email (default: git user.email)' },
    out: {
      type: 'string',
      describe: 'private key file (default: ~/.config/remembrancer/keys/FPR.key.asc)',
    },
    'passphrase-env': {
      type: 'string',
      describe: 'protect the key with the passphrase in this environment variable',
    },
    trust: {
      type: 'boolean',
      default: false,
      describe: 'also make it a trust anchor of this repository',
    },
  },
  examples: [
    [
      '$0 key generate --name "Ada Lovelace" --email ada@example.com --trust',
      'create a key and trust it here',
    ],
    [
      'KEYPASS=s3cret $0 key generate --passphrase-env KEYPASS --out ~/keys/ci.key.asc',
      'a protected key at a chosen path',
    ],
  ],
  load: () => import('./generate.js'),
});
