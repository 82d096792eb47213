/** Kubernetes sizing: requests and limits for one pod, and the autoscaler's range. */
import type { Generator } from '../src/spawn/types.js';

const generator: Generator = {
  concern: 'kubernetes',
  context: () => ({
    minReplicas: 2,
    maxReplicas: 10,
    cpuRequest: '100m',
    cpuLimit: '500m',
    memoryRequest: '128Mi',
    memoryLimit: '256Mi',
  }),
};
export default generator;
