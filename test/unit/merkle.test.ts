/**
 * RFC 6962 Merkle Tree Hash over memory ids (DESIGN.md §3): the root every node must agree on.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHARED } from '../helpers/cli.js';
import {
  emptyRoot,
  leafHash,
  merkleRoot,
  nodeHash,
  rootFromLeafHashes,
} from '../../src/proof/merkle.js';

const VECTORS = join(SHARED, 'vectors/rfc6962/');
const haveVectors = existsSync(`${VECTORS}inclusion/1/happy-path.json`);

/** The eight leaves of the RFC 6962 reference tests (certificate-transparency, transparency-dev). */
const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  wantErr: boolean;
}

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 6962 §2.1 MTH written as the RFC states it, as an independent reference. */
function referenceMth(data: Buffer[]): Buffer {
  const n = data.length;
  if (n === 0) return sha256();
  if (n === 1) return sha256(Buffer.from([0]), data[0] as Buffer);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return sha256(Buffer.from([1]), referenceMth(data.slice(0, k)), referenceMth(data.slice(k)));
}

const hexId = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

describe('leaf and node hashes', () => {
  it('prefix leaves with 0x00 and nodes with 0x01 (second-preimage protection)', () => {
    const a = Buffer.from('aa', 'hex');
    const b = Buffer.from('bb', 'hex');
    expect(leafHash(a)).toEqual(sha256(Buffer.from([0x00, 0xaa])));
    expect(nodeHash(a, b)).toEqual(sha256(Buffer.from([0x01, 0xaa, 0xbb])));
    expect(leafHash(Buffer.concat([a, b]))).not.toEqual(nodeHash(a, b));
  });

  it('hashes the empty tree to SHA-256 of nothing', () => {
    const expected = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(emptyRoot().toString('hex')).toBe(expected);
    expect(rootFromLeafHashes([]).toString('hex')).toBe(expected);
    expect(merkleRoot([])).toEqual({ root: expected, treeSize: 0 });
  });

  it('gives a one-leaf tree the leaf hash as its root', () => {
    const leaf = leafHash(Buffer.from('00', 'hex'));
    expect(rootFromLeafHashes([leaf])).toEqual(leaf);
  });
});

describe.skipIf(!haveVectors)(`RFC 6962 published vectors (skipped: ${VECTORS} is absent)`, () => {
  const happy: [string, InclusionVector][] = haveVectors
    ? readdirSync(`${VECTORS}inclusion`)
        .filter((d) => /^\d+$/.test(d) && existsSync(`${VECTORS}inclusion/${d}/happy-path.json`))
        .map((d) => [
          d,
          JSON.parse(
            readFileSync(`${VECTORS}inclusion/${d}/happy-path.json`, 'utf8'),
          ) as InclusionVector,
        ])
    : [];

  it('the eight standard leaves give the published root of the size-8 tree', () => {
    const vector = JSON.parse(
      readFileSync(`${VECTORS}inclusion/1/happy-path.json`, 'utf8'),
    ) as InclusionVector;
    expect(vector.treeSize).toBe(8);
    const root = rootFromLeafHashes(RFC6962_LEAVES.map((d) => leafHash(d)));
    expect(root.toString('base64')).toBe(vector.root);
    expect(root.toString('hex')).toBe(
      '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
    );
    expect(leafHash(Buffer.alloc(0)).toString('base64')).toBe(vector.leafHash);
  });

  it('every happy-path inclusion vector agrees on root and leaf hash', () => {
    expect(happy.length).toBeGreaterThanOrEqual(4);
    for (const [dir, v] of happy) {
      expect(v.wantErr, dir).toBe(false);
      const leaves = RFC6962_LEAVES.slice(0, v.treeSize).map((d) => leafHash(d));
      expect(rootFromLeafHashes(leaves).toString('base64'), `inclusion/${dir}`).toBe(v.root);
      expect(leaves[v.leafIdx]?.toString('base64'), `inclusion/${dir}`).toBe(v.leafHash);
    }
  });
});

describe('rootFromLeafHashes', () => {
  it('equals the recursive RFC 6962 MTH for every size from 0 to 70', () => {
    const data = Array.from({ length: 70 }, (_, i) => Buffer.from(`leaf-${i}`));
    for (let n = 0; n <= 70; n++) {
      const slice = data.slice(0, n);
      expect(rootFromLeafHashes(slice.map((d) => leafHash(d))).toString('hex'), `n=${n}`).toBe(
        referenceMth(slice).toString('hex'),
      );
    }
  });

  it('depends on leaf order', () => {
    const leaves = RFC6962_LEAVES.slice(0, 3).map((d) => leafHash(d));
    expect(rootFromLeafHashes(leaves)).not.toEqual(rootFromLeafHashes([...leaves].reverse()));
  });
});

describe('merkleRoot', () => {
  it('hashes the id bytes (not the hex text) in ascending id order', () => {
    const ids = ['ff'.repeat(32), '00'.repeat(32), '7f'.repeat(32)];
    const sorted = [...ids].sort().map((id) => Buffer.from(id, 'hex'));
    expect(merkleRoot(ids)).toEqual({
      root: referenceMth(sorted).toString('hex'),
      treeSize: 3,
    });
  });

  it('is the same for any permutation of the ids and ignores duplicates', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(hexId, { maxLength: 40 }).chain((ids) =>
          fc.record({
            ids: fc.constant(ids),
            shuffled: fc.shuffledSubarray(ids, { minLength: ids.length }),
            repeats: fc.array(fc.nat({ max: Math.max(ids.length - 1, 0) }), { maxLength: 10 }),
          }),
        ),
        ({ ids, shuffled, repeats }) => {
          const base = merkleRoot(ids);
          const withDuplicates =
            ids.length === 0 ? shuffled : [...shuffled, ...repeats.map((i) => ids[i] as string)];
          expect(merkleRoot(shuffled)).toEqual(base);
          expect(merkleRoot(withDuplicates)).toEqual(base);
          expect(base.treeSize).toBe(ids.length);
          expect(base.root).toBe(
            referenceMth([...ids].sort().map((id) => Buffer.from(id, 'hex'))).toString('hex'),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('changes when an id is added or removed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hexId, { minLength: 2, maxLength: 20 }), (ids) => {
        const all = merkleRoot(ids).root;
        expect(merkleRoot(ids.slice(1)).root).not.toBe(all);
      }),
      { numRuns: 100 },
    );
  });

  it('accepts any iterable, such as a Set', () => {
    const ids = ['aa'.repeat(32), 'bb'.repeat(32)];
    expect(merkleRoot(new Set(ids))).toEqual(merkleRoot(ids));
  });
});
