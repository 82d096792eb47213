import { verb } from '../verb.js';
import { decision } from './decision.command.js';
import { deploy } from './deploy.command.js';

export const record = verb({
  command: 'record <command>',
  describe: 'Record a signed memory: a deploy receipt or a decision',
  children: [deploy, decision],
  demand: 'choose what to record: deploy or decision',
  examples: [
    [
      '$0 record deploy --component api --version 1.4.2 --evidence dist/api.tgz',
      'a deploy receipt',
    ],
    ['$0 record decision "Use Postgres 16" --tag database', 'a decision'],
  ],
});
