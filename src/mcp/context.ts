/** What every MCP tool works with: the repository, whether writes are allowed, a signer. */
import { resolveSigner, type Signer, type SignerOptions } from '../crypto/signer.js';
import type { Repository } from '../ground/repository.js';

export interface McpContext {
  repo: Repository;
  /** `--read-only`: the writing tools are not registered at all. */
  readOnly: boolean;
  version: string;
  /** The signing key, resolved at the first write (never prompted for: stdin is the protocol). */
  signer: () => Promise<Signer | undefined>;
}

export function createContext(
  repo: Repository,
  options: {
    readOnly: boolean;
    version: string;
    signing: Omit<SignerOptions, 'prompt'>;
  },
): McpContext {
  let cached: Promise<Signer | undefined> | undefined;
  return {
    repo,
    readOnly: options.readOnly,
    version: options.version,
    signer: () => {
      // A passphrase cannot be asked for: stdin carries the protocol, or nobody is at it.
      // A failure is not kept, so a fixed environment works on the next call.
      cached ??= resolveSigner({
        ...options.signing,
        prompt: () => Promise.resolve(undefined),
      }).catch((err: unknown) => {
        cached = undefined;
        throw err;
      });
      return cached;
    },
  };
}
