/** The application code's dependencies, port and environment variables. */
import { common, type Generator, type GeneratorInput } from '../src/spawn/types.js';

export const PORT = 8080;

/** Pinned so a project generated today installs the same tomorrow (Node 20 compatible). */
const NODE_DEPENDENCIES: Record<string, [string, string][]> = {
  base: [['prom-client', '15.1.3']],
  rabbitmq: [['amqplib', '0.10.9']],
  nats: [['nats', '2.29.3']],
  mcp: [['@modelcontextprotocol/sdk', '1.32.2']],
};

const PYTHON_DEPENDENCIES: Record<string, [string, string][]> = {
  base: [
    ['fastapi', '0.115.6'],
    ['prometheus-client', '0.21.1'],
    ['uvicorn', '0.32.1'],
  ],
  rabbitmq: [['pika', '1.3.2']],
  nats: [['nats-py', '2.9.0']],
  mcp: [['mcp', '1.2.0']],
};

export function dependencies(input: GeneratorInput): [string, string][] {
  const a = common(input);
  const table = a.lang === 'node' ? NODE_DEPENDENCIES : PYTHON_DEPENDENCIES;
  const groups = ['base', a.kind === 'worker' ? a.mq : 'none', a.mcp ? 'mcp' : 'none'];
  return groups.flatMap((g) => table[g] ?? []).sort(([x], [y]) => (x < y ? -1 : 1));
}

function environment(input: GeneratorInput): [string, string, string][] {
  const a = common(input);
  const env: [string, string, string][] = [
    ['PORT', String(PORT), 'HTTP port'],
    ['HOST', '0.0.0.0', 'interface to listen on'],
    ['LOG_LEVEL', 'info', 'debug, info, warn(ing) or error'],
    ['SERVICE_NAME', a.name, 'name in logs and on /'],
    ['SERVICE_VERSION', '0.1.0', 'version on /'],
    a.lang === 'node'
      ? ['SHUTDOWN_TIMEOUT_MS', '10000', 'how long in-flight work may finish after SIGTERM']
      : ['SHUTDOWN_TIMEOUT', '10', 'seconds in-flight work may finish after SIGTERM'],
  ];
  if (a.kind === 'worker') {
    env.push(
      ['QUEUE_BACKEND', a.mq === 'none' ? 'memory' : a.mq, 'memory, rabbitmq or nats'],
      ['QUEUE_NAME', `${a.name}-jobs`, 'queue (or subject) to consume'],
    );
    if (a.mq !== 'none') env.push(['QUEUE_URL', brokerUrl(a.mq, 'localhost'), 'broker URL']);
  }
  return env;
}

export function brokerUrl(mq: string, host: string): string {
  return mq === 'rabbitmq' ? `amqp://guest:guest@${host}:5672` : `nats://${host}:4222`;
}

const generator: Generator = {
  concern: 'source',
  context: (input) => ({
    port: PORT,
    dependencies: dependencies(input),
    env: environment(input),
  }),
  files: (input) => [
    {
      path: '.env.example',
      content:
        '# Copy to .env for local runs; every variable is optional.\n' +
        environment(input)
          .map(([name, value, meaning]) => `# ${meaning}\n${name}=${value}\n`)
          .join(''),
    },
  ],
};
export default generator;
