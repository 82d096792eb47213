/** The Makefile's targets (test, dev, build, lint, docker, up, down), for the README too. */
import type { Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'makefile',
  context: () => ({ targets: ['test', 'dev', 'build', 'lint', 'docker', 'up', 'down'] }),
};
export default generator;
