import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const cosign = verb({
  command: 'cosign <id>',
  describe: "Add this node's signature to a peer's receipt that recomputes here",
  positionals: { id: { type: 'string', describe: 'receipt id or prefix' } },
  flags: { ...SIGNING, ...COMMIT, ...JSON_OUTPUT },
  examples: [['$0 federation cosign 3f2a9c', "countersign a peer's receipt"]],
  load: () => import('./cosign.js'),
});
