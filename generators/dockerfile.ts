/** The container: base image and the unprivileged user it runs as (also used by Kubernetes). */
import { common, type Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'dockerfile',
  context: (input) =>
    common(input).lang === 'node'
      ? { image: 'node:20-slim', uid: 1000 }
      : { image: 'python:3.12-slim', uid: 10001 },
  files: (input) => {
    const node = common(input).lang === 'node';
    const ignored = node
      ? ['node_modules', 'dist', 'coverage']
      : ['__pycache__', '*.pyc', '.pytest_cache', '.venv', '.ruff_cache'];
    return [
      {
        path: '.dockerignore',
        content: ['.git', '.github', '.env', 'k8s', 'monitoring', ...ignored].join('\n') + '\n',
      },
    ];
  },
};
export default generator;
