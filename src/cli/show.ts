import type { DecisionBody } from '../memory/memory-types.js';
import { inspectMemory } from '../proof/inspect.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';
import { openPeerView } from '../federation/peer-view.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';
import { memoryFields } from '../present/fields.js';
import { signatureLine } from './render.js';

export interface ShowOptions extends GlobalOptions {
  id: string;
  /** Read it from an external peer's fetched memories. */
  peer?: string;
  json: boolean;
}

export async function run(options: ShowOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  // --peer: a memory as a peer holds it, judged by this repository's trust and policy.
  const source = options.peer
    ? new WorkingTreeSnapshot((await openPeerView(repo, options.peer)).remDir)
    : undefined;
  const { memory, verification } = await inspectMemory(repo, options.id, source);
  const { signatures, timestamps, problems } = verification;
  if (options.json) {
    io.json({
      id: memory.id,
      path: `.remembrancer/${memory.path}`,
      envelope: memory.envelope,
      verification,
    });
    return verification.ok ? 0 : 1;
  }
  const s = memory.envelope.signed;
  io.out(`${io.c.bold(s.type)} ${memory.id}`);
  const rows: [string, string][] = [
    ['created', `${s.created.replace('T', ' ').replace('Z', ' UTC')} on node ${s.node}`],
    ['author', `${s.author.name} <${s.author.email}>`],
    ...memoryFields(memory),
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
  for (const p of problems) io.out(`  ${io.c.red('✗')} ${p}`);
  return verification.ok ? 0 : 1;
}
