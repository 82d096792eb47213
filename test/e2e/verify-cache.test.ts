import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeEnvelope, type Envelope } from '../../src/memory/envelope.js';
import { Sandbox } from '../helpers/cli.js';

interface Report {
  ok: boolean;
  violations: { rule: string; code: string; file: string | null }[];
}

describe('the verification cache', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  it('remembers passed checks, still rejects a forged signature, and survives a damaged cache file', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    await s.initSigned();
    const a = await s.json<{ path: string }>(['record', 'decision', 'First']);
    const b = await s.json<{ path: string }>(['record', 'decision', 'Second']);
    expect((await s.json<Report>(['covenant'])).ok).toBe(true);
    const cacheFile = join(s.repo, '.git', 'remembrancer', 'verified-v1.json');
    expect(existsSync(cacheFile)).toBe(true);
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as {
      signatures: Record<string, string>;
    };
    expect(Object.keys(cached.signatures)).toHaveLength(2);

    // Give the first memory the second one's signature: same key, other bytes.
    const first = JSON.parse(s.read(a.path)) as Envelope;
    const second = JSON.parse(s.read(b.path)) as Envelope;
    first.signatures = second.signatures;
    s.write(a.path, serializeEnvelope(first));
    const forged = await s.json<Report>(['covenant']);
    expect(forged.ok).toBe(false);
    expect(forged.violations.map((v) => [v.rule, v.code, v.file])).toContainEqual([
      'provenance',
      'SIGNATURE_INVALID',
      a.path,
    ]);
    await s.git(['checkout', '--', a.path]);

    writeFileSync(cacheFile, 'not json at all');
    const again = await s.run(['covenant']);
    expect(again.code).toBe(0);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8'))).toHaveProperty('signatures');
    expect((await s.run(['covenant', '--no-cache'])).code).toBe(0);
  });
});
