/**
 * A memo of verifications that passed, under the git directory (never committed). A
 * signature check is a pure function of the key, the signed bytes and the signature, and a
 * token check of the trusted roots, the token and the bytes it covers, so each success is
 * stored under a hash of exactly those inputs and never needs recomputing. Failures are
 * not stored. `covenant --no-cache` ignores it, and deleting the file is always safe.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { cacheDir, type Repository } from './repository.js';

const FILE = 'verified-v1.json';

export interface TokenFacts {
  genTime: string;
  signer: string;
}

export class VerificationCache {
  private dirty = false;

  private constructor(
    private readonly file: string | undefined,
    private readonly signatures: Map<string, string>,
    private readonly tokens: Map<string, TokenFacts>,
  ) {}

  /** A cache that remembers nothing: for --no-cache and for checks outside a repository. */
  static disabled(): VerificationCache {
    return new VerificationCache(undefined, new Map(), new Map());
  }

  static open(repo: Repository): VerificationCache {
    const file = join(cacheDir(repo), FILE);
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as {
        signatures?: Record<string, string>;
        tokens?: Record<string, TokenFacts>;
      };
      return new VerificationCache(
        file,
        new Map(Object.entries(data.signatures ?? {})),
        new Map(Object.entries(data.tokens ?? {})),
      );
    } catch {
      return new VerificationCache(file, new Map(), new Map());
    }
  }

  static signatureKey(keyArmored: string, signedBytes: Uint8Array, signature: string): string {
    return createHash('sha256')
      .update('pgp1\0')
      .update(keyArmored)
      .update('\0')
      .update(signedBytes)
      .update('\0')
      .update(signature)
      .digest('base64');
  }

  static tokenKey(rootsPem: string, token: string, data: Uint8Array): string {
    return createHash('sha256')
      .update('tsa1\0')
      .update(rootsPem)
      .update('\0')
      .update(token)
      .update('\0')
      .update(data)
      .digest('base64');
  }

  /** When the verified signature says it was made, or undefined if not verified before. */
  signature(key: string): string | undefined {
    return this.signatures.get(key);
  }

  addSignature(key: string, created: string): void {
    if (this.file === undefined || this.signatures.has(key)) return;
    this.signatures.set(key, created);
    this.dirty = true;
  }

  token(key: string): TokenFacts | undefined {
    return this.tokens.get(key);
  }

  addToken(key: string, facts: TokenFacts): void {
    if (this.file === undefined || this.tokens.has(key)) return;
    this.tokens.set(key, facts);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty || this.file === undefined) return;
    this.dirty = false;
    const data = {
      signatures: Object.fromEntries(this.signatures),
      tokens: Object.fromEntries(this.tokens),
    };
    // A cache: no fsync, and failing to write it only costs the next run some time.
    await writeFileAtomic(this.file, JSON.stringify(data), { fsync: false }).catch(() => undefined);
  }
}
