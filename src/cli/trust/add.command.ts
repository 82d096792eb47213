import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const add = verb({
  command: 'add <files..>',
  describe: 'Trust the public keys in these .asc files',
  positionals: {
    files: { type: 'string', array: true, describe: 'ASCII-armoured public key files' },
  },
  flags: { ...COMMIT, ...JSON_OUTPUT },
  examples: [
    ['$0 trust add ada.pub.asc', 'trust a colleague'],
    ['gpg --armor --export ada@example.com > ada.asc && $0 trust add ada.asc', 'trust a GnuPG key'],
  ],
  load: () => import('./add.js'),
});
