import { JSON_OUTPUT, WHEN } from './flags.js';
import { verb } from './verb.js';

export const timeline = verb({
  command: 'timeline',
  describe: 'Memories day by day, newest first',
  flags: { ...JSON_OUTPUT, ...WHEN },
  examples: [
    ['$0 timeline --since "last monday"', 'what happened this week'],
    [
      '$0 timeline --type deploys --since 2026-01-01 --until 2026-01-31 --json',
      "January's deploy receipts as JSON, grouped by day",
    ],
  ],
  load: () => import('./timeline.js'),
});
