/** The programmatic face of Remembrancer: the same functions the CLI calls. */

export { canonicalize, canonicalBytes, fileJson, parseJson } from './ground/canonical-json.js';
export {
  decodeMemory,
  memoryId,
  mergeEnvelopes,
  serializeEnvelope,
  toMemory,
  type Envelope,
  type Memory,
  type Signed,
} from './memory/envelope.js';
export { RemembrancerError, type ErrorCode } from './ground/errors.js';
export { merkleRoot, leafHash, nodeHash } from './proof/merkle.js';
export { buildDecision, buildDeploy, buildSeal, summarize } from './memory/memory-types.js';
export { findRepository, requireInitialized, type Repository } from './ground/repository.js';
export { WorkingTreeSnapshot, type Snapshot } from './ground/snapshot.js';
export { loadMemories, findByPrefix } from './store/store.js';
export { runCovenant, type CovenantReport, type Finding } from './policy/covenant.js';
export { initRepository } from './store/init.js';
export { recordMemory, signMemory } from './record/record.js';
export { sealRepository } from './proof/seal.js';
export { verifyArtifact } from './proof/verify-artifact.js';
export { TrustStore } from './policy/trust.js';
export { transact } from './store/transaction.js';
export { resolveSigner, loadKeyFileSigner, loadGpgSigner, type Signer } from './crypto/signer.js';
export { generateKeyPair } from './crypto/openpgp.js';
export { CommitSnapshot, IndexSnapshot, headCommit } from './git/snapshots.js';
export { resolveCommit, type RevisionOptions } from './git/revision.js';
export { fetchPeer, type FetchResult, type FetchOptions } from './git/fetch.js';
