import { verb } from './verb.js';

export const tui = verb({
  command: 'tui',
  describe: 'Browse, search and verify the memory full-screen (keys: ? shows them all)',
  examples: [
    ['$0 tui', 'the timeline, newest first; / searches, Enter follows a link, q quits'],
    ['NO_COLOR=1 $0 tui -C ../payments', "another repository's memory, without colour"],
  ],
  note: 'Needs a terminal; in scripts use query, timeline or show.',
  load: () => import('./tui.js'),
});
