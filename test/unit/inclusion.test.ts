import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED } from '../helpers/cli.js';
import {
  inclusionProof,
  leafHash,
  rootFromLeafHashes,
  verifyInclusion,
} from '../../src/proof/merkle.js';

const VECTORS = join(SHARED, 'vectors/rfc6962/inclusion/');
const haveVectors = existsSync(VECTORS);

interface Vector {
  leafIdx: number;
  treeSize: number;
  root: string | null;
  leafHash: string | null;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function vectors(): { name: string; v: Vector }[] {
  const out: { name: string; v: Vector }[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name.endsWith('.json')) {
        out.push({
          name: prefix + entry.name,
          v: JSON.parse(readFileSync(join(dir, entry.name), 'utf8')) as Vector,
        });
      }
    }
  };
  walk(VECTORS, '');
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const b64 = (s: string | null) => Buffer.from(s ?? '', 'base64');

describe.skipIf(!haveVectors)(`RFC 6962 inclusion vectors (${VECTORS})`, () => {
  const all = haveVectors ? vectors() : [];
  it('has vectors to check', () => expect(all.length).toBeGreaterThan(90));
  for (const { name, v } of all) {
    it(`${name}: ${v.desc} ${v.wantErr ? 'is rejected' : 'verifies'}`, () => {
      const run = () =>
        verifyInclusion(
          b64(v.leafHash),
          v.leafIdx,
          v.treeSize,
          (v.proof ?? []).map(b64),
          b64(v.root),
        );
      if (v.wantErr) expect(run).toThrow();
      else expect(run).not.toThrow();
    });
  }
});

describe('inclusion proofs we generate', () => {
  it('verify for every leaf of every tree up to 40 leaves, and fail for a neighbour', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => leafHash(Buffer.from([i, n])));
      const root = rootFromLeafHashes(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(() => verifyInclusion(leaves[i] as Buffer, i, n, proof, root)).not.toThrow();
        if (n > 1) {
          const other = (i + 1) % n;
          expect(() => verifyInclusion(leaves[other] as Buffer, i, n, proof, root)).toThrow();
        }
      }
    }
  });

  it('rejects any single flipped bit in the proof (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.nat(),
        fc.nat(),
        fc.nat(255),
        (n, i, j, bit) => {
          const leaves = Array.from({ length: n }, (_, k) => leafHash(Buffer.from(String(k))));
          const index = i % n;
          const proof = inclusionProof(leaves, index).map((h) => Buffer.from(h));
          const target = proof[j % proof.length] as Buffer;
          target[(bit >> 3) % 32] = (target[(bit >> 3) % 32] as number) ^ (1 << (bit & 7));
          expect(() =>
            verifyInclusion(leaves[index] as Buffer, index, n, proof, rootFromLeafHashes(leaves)),
          ).toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });
});
