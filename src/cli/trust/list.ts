import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import { TrustStore } from '../../policy/trust.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';

export interface TrustListOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: TrustListOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const trust = await TrustStore.load(new WorkingTreeSnapshot(repo.remDir));
  const keys = await trust.describe();
  const tsaRoots = await describeTsaRoots(trust);
  for (const p of trust.problems) io.warn(`${p.file}: ${p.message}`);
  if (options.json) {
    io.json({
      keys: keys.map((k) => ({
        fingerprint: k.fingerprint,
        userIds: k.userIds,
        algorithm: k.algorithm,
        created: k.created,
        expires: k.expires,
        path: `.remembrancer/${k.path}`,
      })),
      tsaRoots,
    });
    return 0;
  }
  if (keys.length === 0) {
    io.out(`no trust anchors; add one with ${io.c.cyan('remembrancer trust add KEY.asc')}`);
  } else {
    io.table(
      ['FINGERPRINT', 'USER ID', 'ALGORITHM', 'EXPIRES'],
      keys.map((k) => [
        k.fingerprint,
        k.userIds[0] ?? '',
        k.algorithm,
        k.expires?.slice(0, 10) ?? 'never',
      ]),
    );
  }
  if (tsaRoots.length > 0) {
    io.out();
    io.table(
      ['TSA ROOT', 'SUBJECT', 'EXPIRES'],
      tsaRoots.map((t) => [t.name, t.subjects.join(', '), t.expires.slice(0, 10)]),
    );
  }
  return 0;
}

async function describeTsaRoots(trust: TrustStore) {
  if (trust.tsaRoots.size === 0) return [];
  const { parseCertificates, certificateName } = await import('../../crypto/rfc3161.js');
  const roots = [];
  for (const root of trust.tsaRoots.values()) {
    const certs = await parseCertificates(Buffer.from(root.pem));
    roots.push({
      name: root.name,
      subjects: certs.map(certificateName),
      expires: certs[0]?.notAfter.value.toISOString() ?? '',
      path: `.remembrancer/${root.path}`,
    });
  }
  return roots.sort((a, b) => (a.name < b.name ? -1 : 1));
}
