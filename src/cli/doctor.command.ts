import { JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const doctor = verb({
  command: 'doctor',
  describe: 'Check your set-up: git, gpg, signing key, trust, TSA, hooks, peers, covenant',
  flags: JSON_OUTPUT,
  examples: [
    ['$0 doctor', 'every check with a fix for each gap; exit 1 when something blocks use'],
    ['$0 doctor --json', 'the checks as JSON'],
  ],
  // Doctor reports an interrupted write and leaves it to the next command.
  recover: false,
  load: () => import('./doctor.js'),
});
