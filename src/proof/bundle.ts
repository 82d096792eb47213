/**
 * Evidence bundles (docs/bundle.md): one JSON file that lets anyone check, offline and
 * without the repository, that a memory was signed, when it existed, and that a signed
 * seal's Merkle root includes it.
 */
import type { Envelope } from '../memory/envelope.js';

export const BUNDLE_FORMAT = 'remembrancer-evidence/1';

export interface EvidenceBundle {
  format: typeof BUNDLE_FORMAT;
  /** What the bundle proves, for people; the verifier recomputes everything. */
  memoryId: string;
  memory: Envelope;
  sealId: string;
  seal: Envelope;
  /** RFC 6962 audit path of the memory's leaf in the tree the seal's root covers. */
  inclusion: {
    leafIndex: number;
    treeSize: number;
    /** Hex SHA-256 hashes, leaf to root. */
    hashes: string[];
  };
  /** Armoured public keys of every signer of the memory and the seal, by fingerprint. */
  keys: Record<string, string>;
  /** PEM certificates of the TSA roots trusted where the bundle was made, by name. */
  tsaRoots: Record<string, string>;
}
