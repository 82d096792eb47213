/** The GitHub Actions workflow's tool versions. */
import type { Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'ci',
  context: () => ({ nodeVersion: '20', pythonVersion: '3.12', trivyVersion: '0.28.0' }),
};
export default generator;
