import type { Memory } from '../core/envelope.js';
import type { DecisionBody, DeployBody, SealBody } from '../core/memory-types.js';
import { checkSignatures, judgeProvenance } from '../core/provenance.js';
import { checkTimestamps, judgeTime } from '../core/time.js';
import { requireConfig } from '../core/config.js';
import { WorkingTreeSnapshot } from '../core/snapshot.js';
import { readByPrefix } from '../core/store.js';
import { openPeerView } from '../core/federation/peer-view.js';
import { TrustStore } from '../core/trust.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from './io.js';
import { signatureLine } from './render.js';

export interface ShowOptions extends GlobalOptions {
  id: string;
  /** Read it from an external peer's fetched memories. */
  peer?: string;
  json: boolean;
}

function fields(memory: Memory): [string, string][] {
  const s = memory.envelope.signed;
  const rows: [string, string][] = [];
  switch (s.type) {
    case 'deploy': {
      const b = s.body as unknown as DeployBody;
      rows.push(['component', b.component], ['version', b.version]);
      if (b.environment) rows.push(['environment', b.environment]);
      if (b.evidence)
        rows.push([
          'evidence',
          `${b.evidence.path} (${b.evidence.size} bytes) sha256:${b.evidence.sha256}`,
        ]);
      if (b.note) rows.push(['note', b.note]);
      break;
    }
    case 'decision': {
      const b = s.body as unknown as DecisionBody;
      if (b.tags.length > 0) rows.push(['tags', b.tags.join(', ')]);
      break;
    }
    case 'seal': {
      const b = s.body as unknown as SealBody;
      rows.push(
        ['root', b.root],
        ['tree size', String(b.treeSize)],
        ['previous', b.previous ?? '(first seal)'],
      );
      break;
    }
    default:
      rows.push(['body', JSON.stringify(s.body)]);
  }
  for (const subject of s.subject ?? [])
    rows.push(['subject', `${subject.name} sha256:${subject.digest.sha256}`]);
  for (const link of s.links ?? []) rows.push([link.rel, link.id]);
  return rows;
}

export async function run(options: ShowOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const source = options.peer
    ? new WorkingTreeSnapshot((await openPeerView(repo, options.peer)).remDir)
    : snapshot;
  const [config, memory, trust] = await Promise.all([
    requireConfig(snapshot),
    readByPrefix(source, options.id),
    TrustStore.load(snapshot),
  ]);
  const signatures = await checkSignatures(memory, trust);
  const timestamps = await checkTimestamps(memory, trust);
  const verdict = judgeProvenance(memory, signatures, config.policy);
  const timeProblems = judgeTime(memory, timestamps, config);
  const verified = verdict.violations.length === 0 && timeProblems.length === 0;
  if (options.json) {
    io.json({
      id: memory.id,
      path: `.remembrancer/${memory.path}`,
      envelope: memory.envelope,
      verification: {
        ok: verified,
        policy: config.policy,
        signatures,
        timestamps,
        problems: [...verdict.violations, ...timeProblems].map((v) => v.message),
      },
    });
    return verified ? 0 : 1;
  }
  const s = memory.envelope.signed;
  io.out(`${io.c.bold(s.type)} ${memory.id}`);
  const rows: [string, string][] = [
    ['created', `${s.created.replace('T', ' ').replace('Z', ' UTC')} on node ${s.node}`],
    ['author', `${s.author.name} <${s.author.email}>`],
    ...fields(memory),
    ['file', `.remembrancer/${memory.path}`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) io.out(`${io.c.dim(k.padEnd(width))}  ${v}`);
  if (s.type === 'decision') {
    io.out();
    for (const line of (s.body as unknown as DecisionBody).text.split('\n')) io.out(`    ${line}`);
  }
  io.out();
  io.out(io.c.bold('signatures'));
  if (signatures.length === 0) io.out(`  ${io.c.yellow('unsigned')}`);
  for (const sig of signatures) io.out(`  ${signatureLine(io, sig)}`);
  for (const t of timestamps) {
    io.out(
      t.ok
        ? `  ${io.c.green('✓ timestamp')} ${t.genTime} by ${t.signer ?? t.tsa} ${io.c.dim(`(over the signature of ${t.keyid.slice(-16)})`)}`
        : `  ${io.c.red('✗ timestamp')} from ${t.tsa}: ${t.reason ?? 'invalid'}`,
    );
  }
  for (const v of [...verdict.violations, ...timeProblems])
    io.out(`  ${io.c.red('✗')} ${v.message}`);
  return verified ? 0 : 1;
}
