/** The test tooling: what the project's own `make test` needs besides its dependencies. */
import { common, type Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'tests',
  context: (input) => {
    const a = common(input);
    if (a.lang === 'node') {
      const dev: [string, string][] = [
        ['@types/node', '20.19.43'],
        ['typescript', '5.6.3'],
      ];
      if (a.kind === 'worker' && a.mq === 'rabbitmq') dev.push(['@types/amqplib', '0.10.8']);
      return { devDependencies: dev.sort(([x], [y]) => (x < y ? -1 : 1)), command: 'npm test' };
    }
    return {
      devDependencies: [
        ['httpx', '0.27.2'],
        ['pytest', '8.3.4'],
        ['ruff', '0.8.4'],
      ],
      command: 'python3 -m pytest -q',
    };
  },
};
export default generator;
