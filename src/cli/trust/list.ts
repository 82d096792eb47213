import { WorkingTreeSnapshot } from '../../core/snapshot.js';
import { TrustStore } from '../../core/trust.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../io.js';

export interface TrustListOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: TrustListOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const trust = await TrustStore.load(new WorkingTreeSnapshot(repo.remDir));
  const keys = await trust.describe();
  for (const p of trust.problems) io.warn(`${p.file}: ${p.message}`);
  if (options.json) {
    io.json(
      keys.map((k) => ({
        fingerprint: k.fingerprint,
        userIds: k.userIds,
        algorithm: k.algorithm,
        created: k.created,
        expires: k.expires,
        path: `.remembrancer/${k.path}`,
      })),
    );
    return 0;
  }
  if (keys.length === 0) {
    io.out(`no trust anchors; add one with ${io.c.cyan('remembrancer trust add KEY.asc')}`);
    return 0;
  }
  io.table(
    ['FINGERPRINT', 'USER ID', 'ALGORITHM', 'EXPIRES'],
    keys.map((k) => [
      k.fingerprint,
      k.userIds[0] ?? '',
      k.algorithm,
      k.expires?.slice(0, 10) ?? 'never',
    ]),
  );
  return 0;
}
