import { revokeKey } from '../../policy/trust-admin.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from '../record/output.js';

export interface TrustRevokeOptions extends GlobalOptions, SigningOptions {
  fingerprint: string;
  reason?: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: TrustRevokeOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const result = await revokeKey(repo, options.fingerprint, {
    reason: options.reason,
    signer: await signer(io, options),
    commit: options.commit,
  });
  printRecorded(io, result, options.json, { fingerprint: result.fingerprint });
  if (!options.json) {
    io.note(
      `signatures by ${result.fingerprint} made from ${result.memory.envelope.signed.created} on are rejected; older ones need a timestamp to stay valid`,
    );
  }
  return 0;
}
