/** .gitignore: build output, caches and local environment files for the language. */
import { common, type Generator } from '../src/spawn/types.js';

const NODE = ['node_modules/', 'dist/', 'coverage/', '*.tsbuildinfo'];
const PYTHON = ['__pycache__/', '*.py[cod]', '.pytest_cache/', '.ruff_cache/', '.venv/', 'build/'];

const generator: Generator = {
  concern: 'gitignore',
  context: () => ({}),
  files: (input) => {
    const lines = common(input).lang === 'node' ? NODE : PYTHON;
    return [{ path: '.gitignore', content: ['.env', '.DS_Store', ...lines].join('\n') + '\n' }];
  },
};
export default generator;
