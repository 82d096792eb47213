// End-to-end tests run the built CLI; fail early and clearly when it has not been built.
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync(new URL('../../dist/cli.js', import.meta.url))) {
    throw new Error('dist/cli.js is missing: run `npm run build` first (npm test does it for you)');
  }
}
