/**
 * Where the bundled verification worker script is. The bundle's entry points register it
 * (it sits beside them in dist/); from source there is none and verification stays inline.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let entry: URL | undefined;

export function registerVerifyWorker(url: URL): void {
  if (existsSync(fileURLToPath(url))) entry = url;
}

export function verifyWorkerEntry(): URL | undefined {
  return entry;
}
