import { COMMIT, JSON_OUTPUT, SIGNING } from '../flags.js';
import { verb } from '../verb.js';

export const update = verb({
  command: 'update <dir>',
  describe: 'Apply the installed template version with a three-way merge',
  positionals: { dir: { type: 'string', describe: 'the spawned project folder' } },
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    ...SIGNING,
    templates: {
      type: 'string',
      describe: 'use the templates in this folder instead of the bundled ones',
    },
    'dry-run': {
      type: 'boolean',
      default: false,
      describe: 'show what would change and write nothing',
    },
  },
  examples: [
    ['$0 spawn update services/payments', 'merge the new template into your edits'],
    ['$0 spawn update . --dry-run', 'what would be updated, merged or kept'],
  ],
  load: () => import('./update.js'),
});
