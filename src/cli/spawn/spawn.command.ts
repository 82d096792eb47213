import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';
import { check } from './check.command.js';
import { update } from './update.command.js';

export const spawn = verb({
  command: 'spawn [name] [kind]',
  describe: 'Generate a production-ready service or worker and record what was generated',
  children: [check, update],
  recommend: false,
  positionals: {
    name: { type: 'string', describe: 'project name, a DNS-1123 label (my-service)' },
    kind: {
      choices: ['service', 'worker'],
      describe: 'an HTTP service (default) or a queue worker',
    },
  },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    ...SIGNING,
    lang: {
      choices: ['node', 'python'],
      default: 'node',
      describe: 'TypeScript on Node.js, or Python with FastAPI',
    },
    dir: { type: 'string', describe: 'project folder (default: ./NAME)' },
    'with-mcp': {
      type: 'boolean',
      default: false,
      describe: "add an MCP server exposing the service's context",
    },
    'with-mq': {
      choices: ['rabbitmq', 'nats'],
      describe: 'worker: consume from this broker (adds its client and compose service)',
    },
    description: { type: 'string', describe: 'one sentence for the README' },
    owner: { type: 'string', describe: 'copyright holder in LICENSE (default: the signer)' },
    templates: {
      type: 'string',
      describe: 'use the templates in this folder instead of the bundled ones',
    },
    'dry-run': {
      type: 'boolean',
      default: false,
      describe: 'list the files that would be written and write nothing',
    },
    yes: {
      alias: 'y',
      type: 'boolean',
      default: false,
      describe: 'do not ask for confirmation in a terminal',
    },
    force: { type: 'boolean', default: false, describe: 'write into a folder that is not empty' },
  },
  examples: [
    ['$0 spawn payments', 'a TypeScript HTTP service in ./payments'],
    [
      '$0 spawn billing-jobs worker --lang python --with-mq rabbitmq',
      'a FastAPI worker consuming from RabbitMQ',
    ],
    ['$0 spawn api --dir services/api --with-mcp --yes', 'inside this repository, with MCP'],
    ['$0 spawn api --dry-run', 'list what would be written'],
    ['$0 spawn check services/api', 'drift since generation'],
    ['$0 spawn update services/api', 'apply a newer template version'],
  ],
  load: () => import('./create.js'),
});
