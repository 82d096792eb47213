/**
 * Verifying many signatures at once. Ed25519 verification through openpgp.js costs a
 * fraction of a millisecond on the main thread each; at tens of thousands of memories that
 * dominates the covenant, so large batches are spread over worker threads (one per core).
 * Small batches, and runs from source (tests), verify inline: the result is the same.
 */
import { availableParallelism } from 'node:os';
import type { Worker as WorkerType } from 'node:worker_threads';
import { readPublicKey, verifyDetached, type PublicKey, type SignatureCheck } from './openpgp.js';
import { verifyWorkerEntry } from './worker-entry.js';

export interface VerifyJob {
  data: Uint8Array;
  signature: string;
  fingerprint: string;
}

const PARALLEL_THRESHOLD = 400;
const CHUNK = 200;

export async function verifyMany(
  jobs: VerifyJob[],
  keys: Map<string, { key: PublicKey }>,
  onProgress?: (done: number, total: number) => void,
): Promise<SignatureCheck[]> {
  const wanted = Number(process.env['REMEMBRANCER_THREADS'] ?? '');
  const threads =
    Number.isInteger(wanted) && wanted > 0 ? wanted : Math.min(availableParallelism(), 8);
  const workerEntry = verifyWorkerEntry();
  if (workerEntry === undefined || jobs.length < PARALLEL_THRESHOLD || threads < 2) {
    return verifyInline(jobs, keys, onProgress);
  }
  return verifyInWorkers(jobs, keys, threads, workerEntry, onProgress);
}

async function verifyInline(
  jobs: VerifyJob[],
  keys: Map<string, { key: PublicKey }>,
  onProgress?: (done: number, total: number) => void,
): Promise<SignatureCheck[]> {
  const results = new Array<SignatureCheck>(jobs.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i] as VerifyJob;
      const anchor = keys.get(job.fingerprint);
      results[i] = anchor
        ? await verifyDetached(job.data, job.signature, anchor.key)
        : { ok: false, reason: `key ${job.fingerprint} is not a trust anchor` };
      onProgress?.(++done, jobs.length);
    }
  };
  // openpgp.js verifies asynchronously (WebCrypto), so a few dozen in flight keep it busy.
  await Promise.all(Array.from({ length: Math.min(64, jobs.length) }, lane));
  return results;
}

interface WorkerRequest {
  start: number;
  jobs: VerifyJob[];
}

interface WorkerReply {
  start: number;
  results: SignatureCheck[];
}

async function verifyInWorkers(
  jobs: VerifyJob[],
  keys: Map<string, { key: PublicKey }>,
  threads: number,
  entry: URL,
  onProgress?: (done: number, total: number) => void,
): Promise<SignatureCheck[]> {
  const { Worker } = await import('node:worker_threads');
  const armored = Object.fromEntries([...keys].map(([fpr, k]) => [fpr, k.key.armor()]));
  const results = new Array<SignatureCheck>(jobs.length);
  let next = 0;
  let done = 0;
  const workers: WorkerType[] = [];
  try {
    await Promise.all(
      Array.from({ length: threads }, () => {
        const worker = new Worker(entry, { workerData: { keys: armored } });
        workers.push(worker);
        return new Promise<void>((resolve, reject) => {
          const send = () => {
            if (next >= jobs.length) {
              resolve();
              return;
            }
            const start = next;
            next = Math.min(jobs.length, next + CHUNK);
            const request: WorkerRequest = { start, jobs: jobs.slice(start, next) };
            worker.postMessage(request);
          };
          worker.on('message', (reply: WorkerReply) => {
            reply.results.forEach((r, k) => (results[reply.start + k] = r));
            done += reply.results.length;
            onProgress?.(done, jobs.length);
            send();
          });
          worker.on('error', reject);
          worker.on('exit', (code) => {
            if (next < jobs.length || code !== 0)
              reject(new Error(`verification worker exited with ${code}`));
          });
          send();
        });
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}

/** The body of a verification worker (src/crypto/verify-worker.ts runs it). */
export async function serveVerification(
  port: {
    on(event: 'message', fn: (m: WorkerRequest) => void): void;
    postMessage(m: WorkerReply): void;
  },
  armoredKeys: Record<string, string>,
): Promise<void> {
  const keys = new Map<string, { key: PublicKey }>();
  for (const [fpr, armored] of Object.entries(armoredKeys))
    keys.set(fpr, { key: await readPublicKey(armored) });
  port.on('message', (request) => {
    void verifyInline(request.jobs, keys).then((results) =>
      port.postMessage({ start: request.start, results }),
    );
  });
}
