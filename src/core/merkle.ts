/**
 * RFC 6962 Merkle Tree Hash over memory ids (DESIGN.md §3):
 * leaf = SHA-256(0x00 ‖ id bytes), node = SHA-256(0x01 ‖ left ‖ right),
 * the empty tree hashes to SHA-256 of nothing. Ids are sorted ascending first, so the same
 * set of memories gives the same root on every node whatever order they arrived in.
 */
import { createHash } from 'node:crypto';

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF).update(data).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
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
