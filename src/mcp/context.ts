/** What every MCP tool works with: the repository, whether writes are allowed, a signer. */
import type { Signer } from '../crypto/signer.js';
import type { Repository } from '../core/repository.js';

export interface McpContext {
  repo: Repository;
  /** `--read-only`: the writing tools are not registered at all. */
  readOnly: boolean;
  version: string;
  /** The signing key, resolved at the first write (never prompted for: stdin is the protocol). */
  signer: () => Promise<Signer | undefined>;
}
