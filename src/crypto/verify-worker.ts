/** Worker thread entry: verifies batches of signatures for verify-pool.ts. */
import { parentPort, workerData } from 'node:worker_threads';
import { serveVerification } from './verify-pool.js';

if (parentPort) {
  await serveVerification(parentPort, (workerData as { keys: Record<string, string> }).keys);
}
