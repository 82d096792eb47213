/** What every command needs before it can work: its repository and, for writes, a signer. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { findRepository, requireInitialized, type Repository } from '../ground/repository.js';
import { resolveSigner, type Signer } from '../crypto/signer.js';
import type { IO } from '../present/io.js';

export interface GlobalOptions {
  /** -C: run as if started in this folder. */
  cwd?: string | undefined;
}

export interface SigningOptions {
  key?: string | undefined;
  gpgKey?: string | undefined;
  passphraseEnv?: string | undefined;
}

export function openRepository(options: GlobalOptions): Repository {
  return requireInitialized(findRepository(options.cwd ?? process.cwd()));
}

/** Reads a line from the terminal without echoing it. */
export function promptSecret(io: IO, question: string): Promise<string | undefined> {
  const input = process.stdin;
  if (!input.isTTY || !io.isStderrTTY) return Promise.resolve(undefined);
  io.stderr.write(question);
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input, output: muted, terminal: true });
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}

export function signer(io: IO, options: SigningOptions): Promise<Signer | undefined> {
  return resolveSigner({
    keyFile: options.key,
    gpgKey: options.gpgKey,
    passphraseEnv: options.passphraseEnv,
    env: io.env,
    prompt: (q) => promptSecret(io, q),
  });
}
