import { COMMIT, JSON_OUTPUT } from '../flags.js';
import { verb } from '../verb.js';

export const add = verb({
  command: 'add <name> <url>',
  describe: 'Federate with a peer repository (committed in peers.json)',
  positionals: {
    name: { type: 'string', describe: 'a short name for the peer' },
    url: { type: 'string', describe: 'path, file://, http(s):// or ssh URL of its repository' },
  },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    ref: { type: 'string', describe: 'its branch or ref to fetch (default refs/heads/main)' },
    key: {
      type: 'string',
      array: true,
      default: [],
      describe: 'public key file(s) trusted to sign what this peer brings',
    },
    scope: {
      type: 'string',
      array: true,
      default: [],
      describe: 'only take these memory types from it (default: every type)',
    },
    tier: {
      choices: ['core', 'external'],
      default: 'core',
      describe: 'core imports; external is fetched and read, never imported',
    },
    node: {
      type: 'string',
      describe:
        'the node name the peer records under (default: NAME); only its keys may sign in that name',
    },
  },
  examples: [
    ['$0 federation add ops https://git.example.com/ops.git --key ops.asc', 'a peer over https'],
    [
      '$0 federation add ops-mirror ssh://git@mirror/ops.git --node ops --key ops.asc',
      'a second route to the node "ops"',
    ],
    [
      '$0 federation add lab ../lab --tier external --scope deploy',
      'read-only deployments of a local repository',
    ],
  ],
  load: () => import('./add.js'),
});
