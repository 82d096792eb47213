import { COMMIT, JSON_OUTPUT } from './flags.js';
import { verb } from './verb.js';

export const exportVerb = verb({
  command: 'export',
  describe: 'Write the memory as Markdown: one file per ADR, an index, and REMEMBRANCER.md',
  flags: {
    ...COMMIT,
    ...JSON_OUTPUT,
    dir: {
      type: 'string',
      default: 'docs',
      describe: 'folder to write into (ADRs go in DIR/adr/)',
    },
  },
  examples: [
    ['$0 export', 'docs/adr/*.md, docs/adr/README.md and docs/REMEMBRANCER.md'],
    ['$0 export --dir handbook --no-commit', 'elsewhere, staged only'],
  ],
  load: () => import('./export.js'),
});
