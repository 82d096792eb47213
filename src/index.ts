/** The programmatic face of Remembrancer: the same functions the CLI calls. */

export { canonicalize, canonicalBytes, fileJson, parseJson } from './core/canonical-json.js';
export {
  decodeMemory,
  memoryId,
  mergeEnvelopes,
  serializeEnvelope,
  toMemory,
  type Envelope,
  type Memory,
  type Signed,
} from './core/envelope.js';
export { RemembrancerError, type ErrorCode } from './core/errors.js';
export { merkleRoot, leafHash, nodeHash } from './core/merkle.js';
export { buildDecision, buildDeploy, buildSeal, summarize } from './core/memory-types.js';
export { findRepository, requireInitialized, type Repository } from './core/repository.js';
export { WorkingTreeSnapshot, type Snapshot } from './core/snapshot.js';
export { loadMemories, findByPrefix } from './core/store.js';
export { runCovenant, type CovenantReport, type Finding } from './core/covenant.js';
export { initRepository } from './core/init.js';
export { recordMemory, signMemory } from './core/record.js';
export { sealRepository } from './core/seal.js';
export { verifyArtifact } from './core/verify-artifact.js';
export { TrustStore } from './core/trust.js';
export { transact } from './core/transaction.js';
export { resolveSigner, loadKeyFileSigner, loadGpgSigner, type Signer } from './crypto/signer.js';
export { generateKeyPair } from './crypto/openpgp.js';
export { CommitSnapshot, IndexSnapshot, headCommit } from './git/snapshots.js';
export { resolveCommit, type RevisionOptions } from './git/revision.js';
export { fetchPeer, type FetchResult, type FetchOptions } from './git/fetch.js';
