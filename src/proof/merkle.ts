/**
 * RFC 6962 Merkle Tree Hash over memory ids (DESIGN.md §3):
 * leaf = SHA-256(0x00 ‖ id bytes), node = SHA-256(0x01 ‖ left ‖ right),
 * the empty tree hashes to SHA-256 of nothing. Ids are sorted ascending first, so the same
 * set of memories gives the same root on every node whatever order they arrived in.
 */
import { createHash, hash } from 'node:crypto';

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

// crypto.hash (one call, no Hash object) is about a third faster than createHash for the
// hundreds of thousands of tiny inputs a large tree hashes.
export function leafHash(data: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF, data]), 'buffer');
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([NODE, left, right]), 'buffer');
}

export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** Root of the leaf hashes, computed bottom-up in O(n) hashes without recursion. */
export function rootFromLeafHashes(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return emptyRoot();
  // RFC 6962 splits at the largest power of two below n; pairing left to right level by
  // level and carrying an odd last node up unchanged builds exactly that tree.
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      next.push(nodeHash(level[i] as Buffer, level[i + 1] as Buffer));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    level = next;
  }
  return level[0] as Buffer;
}

export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort();
}

export interface MerkleRoot {
  root: string;
  treeSize: number;
}

/** The Merkle root of a set of memory ids (hex), in any order, duplicates ignored. */
export function merkleRoot(ids: Iterable<string>): MerkleRoot {
  const sorted = sortIds(ids);
  const leaves = sorted.map((id) => leafHash(Buffer.from(id, 'hex')));
  return { root: rootFromLeafHashes(leaves).toString('hex'), treeSize: sorted.length };
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of leaf `index` among `leaves`. */
export function inclusionProof(leaves: Buffer[], index: number): Buffer[] {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leaves.length}`);
  }
  const path: Buffer[] = [];
  let lo = 0;
  let hi = leaves.length;
  let m = index;
  const stack: Buffer[] = [];
  // Walk down from the root, remembering the sibling subtree at each split.
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m < k) {
      stack.push(rootFromLeafHashes(leaves.slice(lo + k, hi)));
      hi = lo + k;
    } else {
      stack.push(rootFromLeafHashes(leaves.slice(lo, lo + k)));
      lo = lo + k;
      m -= k;
    }
  }
  // The path lists siblings from the leaf upward.
  while (stack.length > 0) path.push(stack.pop() as Buffer);
  return path;
}

export class InclusionProofError extends Error {
  override readonly name = 'InclusionProofError';
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash, its index, the tree size and the
 * audit path, and compares it with the expected root. Throws InclusionProofError saying why.
 */
export function verifyInclusion(
  leaf: Uint8Array,
  index: number,
  treeSize: number,
  proof: Uint8Array[],
  root: Uint8Array,
): void {
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(treeSize) ||
    index < 0 ||
    treeSize < 0
  ) {
    throw new InclusionProofError('leaf index and tree size must be non-negative integers');
  }
  if (index >= treeSize)
    throw new InclusionProofError(`leaf index ${index} is outside a tree of ${treeSize}`);
  for (const h of [leaf, root, ...proof]) {
    if (h.length !== 32) throw new InclusionProofError('every hash in a proof is 32 bytes');
  }
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) throw new InclusionProofError('the proof is longer than the path to the root');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new InclusionProofError('the proof is shorter than the path to the root');
  if (!r.equals(Buffer.from(root)))
    throw new InclusionProofError('the proof leads to another root');
}
