/** The message broker a worker consumes from: its client settings and its compose service. */
import { brokerUrl } from './source.js';
import { common, type Generator } from '../src/spawn/types.js';

const BROKERS = {
  rabbitmq: { label: 'RabbitMQ', image: 'rabbitmq:3.13-management' },
  nats: { label: 'NATS', image: 'nats:2.10' },
} as const;

const generator: Generator = {
  concern: 'mq',
  context: (input) => {
    const a = common(input);
    if (a.kind !== 'worker' || a.mq === 'none') {
      return { enabled: false, backend: 'memory', url: '' };
    }
    return {
      enabled: true,
      backend: a.mq,
      ...BROKERS[a.mq],
      url: brokerUrl(a.mq, 'localhost'),
      composeUrl: brokerUrl(a.mq, a.mq),
      clusterUrl: brokerUrl(a.mq, a.mq),
    };
  },
};
export default generator;
