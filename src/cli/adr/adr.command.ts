import { verb } from '../verb.js';
import { create } from './create.command.js';
import { link } from './link.command.js';
import { list } from './list.command.js';
import { show } from './show.command.js';
import { status } from './status.command.js';
import { supersede } from './supersede.command.js';

export const adr = verb({
  command: 'adr <command>',
  describe: 'Architecture decision records: create, list, show, status, supersede, link',
  children: [create, list, show, status, supersede, link],
  demand: 'choose an adr command: create, list, show, status, supersede or link',
  examples: [
    ['$0 adr create "Use Postgres for the ledger"', 'write an ADR'],
    ['$0 adr list', 'every ADR and its status'],
  ],
});
