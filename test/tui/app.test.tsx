/**
 * The TUI's components over real repositories made by the built CLI: the data layer reads
 * them with the same core functions as the commands, and ink-testing-library renders the
 * app and types keys into it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeEnvelope, type Envelope } from '../../src/memory/envelope.js';
import { findRepository } from '../../src/ground/repository.js';
import { App } from '../../src/tui/components/App.js';
import { openTuiData, type TuiData } from '../../src/tui/data/index.js';
import { BINDINGS } from '../../src/tui/keys.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';

const KEY = {
  down: '\u001B[B',
  up: '\u001B[A',
  tab: '\t',
  enter: '\r',
  backspace: '\u007F',
  escape: '\u001B',
};

const track = sandboxTracker();
let base: Sandbox;
const ids: Record<string, string> = {};

async function record(s: Sandbox, args: string[]): Promise<string> {
  const out = await s.json<{ id: string }>(args);
  return out.id;
}

beforeAll(async () => {
  base = track(new Sandbox());
  await base.initSigned();
  ids.postgres = await record(base, ['record', 'decision', 'Use Postgres for the ledger']);
  ids.api = await record(base, [
    'record',
    'deploy',
    '--component',
    'api',
    '--version',
    '1.4.2',
    '--sha256',
    'a'.repeat(64),
  ]);
  ids.adr = await record(base, ['adr', 'create', 'Adopt event sourcing', '--decision', 'yes']);
  await base.ok(['seal']);
  ids.cqrs = await record(base, ['adr', 'supersede', 'ADR-0001', 'Adopt CQRS', '--decision', 'd']);
  ids.redis = await record(base, ['record', 'decision', 'Cache invoices in Redis']);
}, 120_000);

const opened: TuiData[] = [];
afterAll(() => opened.forEach((d) => d.close()));

async function mount(s: Sandbox, size = { columns: 100, rows: 30 }) {
  const data = await openTuiData(findRepository(s.repo));
  opened.push(data);
  const app = render(
    <App data={data} color={false} size={size} covenantDelay={0} detailDelay={0} />,
  );
  const frame = () => app.lastFrame() ?? '';
  const until = async (what: string | RegExp, timeout = 20_000): Promise<string> => {
    const start = Date.now();
    for (;;) {
      const f = frame();
      if (typeof what === 'string' ? f.includes(what) : what.test(f)) return f;
      if (Date.now() - start > timeout)
        throw new Error(`screen never showed ${String(what)}; last frame:\n${f}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const untilCursor = async (text: string | undefined) => {
    await until(new RegExp(`^›.*${(text ?? '?').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
  };
  return { app, frame, until, untilCursor, press };
}

/** The row the cursor is on (marked ›) in the list. */
const cursorRow = (frame: string) => frame.split('\n').find((l) => l.startsWith('›')) ?? '';

describe('tui', () => {
  it('lists the memories newest first, as `timeline` does, and moves through them', async () => {
    const days = await base.json<{ memories: { id: string; title: string }[] }[]>(['timeline']);
    const expected = days.flatMap((d) => d.memories);
    expect(expected).toHaveLength(6);
    const { frame, until, untilCursor, press, app } = await mount(base);
    await until('Cache invoices in Redis');
    const rows = frame()
      .split('\n')
      .filter((l) => /^[› ][ ✗]. [0-9a-f]{12} /.test(l));
    expect(rows.map((l) => l.slice(4, 16))).toEqual(expected.map((m) => m.id.slice(0, 12)));
    const title = (i: number) => (expected[i] as { title: string }).title;
    await untilCursor(title(0));
    await press('j');
    await untilCursor(title(1));
    await press(KEY.down, KEY.down);
    await untilCursor(title(3));
    await press('G');
    await untilCursor(title(5));
    expect(frame()).toContain('6/6');
    await press('k');
    await untilCursor(title(4));
    await press(KEY.up, 'g');
    await untilCursor(title(0));
    expect(frame()).toContain('1/6');
    app.unmount();
  });

  it('searches as you type through the query index, and filters by type', async () => {
    const { frame, until, press, app } = await mount(base);
    await until('Cache invoices in Redis');
    await press('/', 'p', 'o', 's', 't');
    const found = await until('/post');
    expect(found).toContain('Use Postgres for the ledger');
    expect(found).not.toContain('Cache invoices in Redis');
    expect(found).toContain('1 matches');
    await press('g', 'r', 'e', 's', KEY.enter);
    // The next frame, not the one on screen when Enter was sent.
    await until('matching "postgres"');
    await press(KEY.escape);
    await until('Cache invoices in Redis');
    expect(frame()).toContain('type: all');
    await press('t');
    const adrs = await until('type: adr');
    expect(adrs).toContain('Adopt CQRS');
    expect(adrs).toContain('Adopt event sourcing');
    expect(adrs).not.toContain('Cache invoices');
    await press('t', 't');
    const deploys = await until('type: deploy');
    expect(deploys).toContain('api 1.4.2');
    expect(deploys).not.toContain('Adopt CQRS');
    app.unmount();
  });

  it('shows the verification of the selected memory and follows its links', async () => {
    const { until, untilCursor, press, app } = await mount(base);
    await until('Cache invoices in Redis');
    // A decision recorded after the seal: signed, verified, not sealed yet.
    await press('/', 'r', 'e', 'd', 'i', 's', KEY.enter);
    await untilCursor('Cache invoices in Redis');
    let f = await until('✓ verified');
    expect(f).toContain('✓ signature');
    expect(f).toContain('Test Signer <signer@example.com>');
    expect(f).toContain('no seal covers memory');
    // The superseding ADR links to the ADR it replaces.
    await press('/', 'c', 'q', 'r', 's', KEY.enter);
    await untilCursor('Adopt CQRS');
    f = await until('supersedes');
    expect(f).toContain(`supersedes ${ids.adr?.slice(0, 12)} Adopt event sourcing`);
    await press(KEY.tab, KEY.enter);
    f = await until('followed 1 link');
    expect(f).toContain(ids.adr);
    // The ADR is in the seal, with an inclusion proof that checks.
    f = await until('in seal');
    expect(f).toMatch(/✓ in seal [0-9a-f]{12}: leaf \d of 3, proof checks/);
    await press(KEY.backspace);
    f = await until('supersedes');
    expect(f).not.toContain('followed 1 link');
    expect(f).toContain(ids.cqrs);
    app.unmount();
  });

  it('shows ADRs with status and history, deployments by component, and no peers', async () => {
    const { until, press, app } = await mount(base);
    await until('Cache invoices in Redis');
    await press('2');
    let f = await until('ADR-0002');
    expect(f).toMatch(/ADR-0001\s+superseded\s+Adopt event sourcing/);
    expect(f).toMatch(/ADR-0002\s+accepted\s+Adopt CQRS/);
    expect(f).toContain('history');
    expect(f).toContain('Superseded by ADR-0002');
    await press('3');
    f = await until('deploy receipt(s)');
    expect(f).toMatch(/api\s+1 latest api 1\.4\.2/);
    await press(KEY.enter);
    f = await until('[1 Timeline]');
    expect(f).toContain(ids.api);
    await press('4');
    f = await until('no peers');
    expect(f).toContain('federation add NAME URL');
    await press('?');
    f = await until('Keys: any key closes');
    for (const section of BINDINGS) for (const b of section.bindings) expect(f).toContain(b.does);
    app.unmount();
  });

  it('shows each federation peer with its last sync', async () => {
    const local = track(base.fork());
    const peer = track(new Sandbox());
    // A peer is another node: its memories carry its own node name, which peers.json binds.
    const fingerprint = await peer.initSigned('strict', 'lab');
    await peer.ok(['record', 'decision', 'Peers keep their own ledgers']);
    const peerKey = join(peer.home, '.config', 'remembrancer', 'keys', `${fingerprint}.pub.asc`);
    await local.ok(['federation', 'add', 'lab', peer.repo, '--key', peerKey]);
    await local.ok(['federation', 'add', 'gone', join(peer.dir, 'nowhere'), '--key', peerKey]);
    await local.ok(['federation', 'sync', 'lab']);
    const failed = await local.run(['federation', 'sync', 'gone']);
    expect(failed.code).not.toBe(0);
    const { until, press, app } = await mount(local);
    await until('Cache invoices in Redis');
    await press('4');
    // Peers in name order: the one that could not be reached first, with its error.
    const f = await until(/› gone\s+core\s+✗/);
    expect(f).toMatch(/^error {5}\S/m);
    expect(f).toMatch(/ {2}lab\s+core\s+✓ synced \d{4}-\d\d-\d\d/);
    await press('j');
    const g = await until(/› lab/);
    expect(g).toContain(`url       ${peer.repo}`);
    expect(g).toMatch(/last sync fetched \d+, accepted 1/);
    app.unmount();
  });

  it('fits 80×24 and shows the covenant state in the header', async () => {
    const { frame, until, app } = await mount(base, { columns: 80, rows: 24 });
    await until('✓ covenant holds');
    const lines = frame().split('\n');
    expect(lines).toHaveLength(24);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines[0]).toMatch(/root [0-9a-f]{12}/);
    app.unmount();
  });

  it('says there is nothing yet in an empty repository', async () => {
    const empty = track(new Sandbox());
    await empty.initSigned();
    const { until, app } = await mount(empty);
    const f = await until('no memories yet');
    expect(f).toContain('0 memories');
    expect(f).toContain('0/0');
    await until('✓ covenant holds');
    app.unmount();
  });

  it('shows a memory whose signature does not verify as invalid, and the broken covenant', async () => {
    const bad = track(base.fork());
    // Give the Postgres decision the signature of another memory: same id, wrong signature.
    const path = (id: string) =>
      join(bad.repo, '.remembrancer/memories', id.slice(0, 2), `${id}.json`);
    const victim = JSON.parse(readFileSync(path(ids.postgres as string), 'utf8')) as Envelope;
    const donor = JSON.parse(readFileSync(path(ids.redis as string), 'utf8')) as Envelope;
    victim.signatures = donor.signatures;
    writeFileSync(path(ids.postgres as string), serializeEnvelope(victim));
    const { frame, until, press, app } = await mount(bad);
    await until('Cache invoices in Redis');
    await press('/', 'p', 'o', 's', 't', 'g', 'r', 'e', 's', KEY.enter);
    const f = await until('✗ invalid');
    expect(cursorRow(f)).toContain('Use Postgres for the ledger');
    expect(f).toMatch(/✗ signature [0-9A-F]{16}/);
    await until('✗ covenant broken');
    // Once the covenant has run, the list marks the memory too.
    expect(cursorRow(frame())).toMatch(/^›✗/);
    await press('5');
    const report = await until('violation(s)');
    expect(report).toContain(ids.postgres?.slice(0, 2));
    expect(report).toContain('provenance');
    app.unmount();
  });
});
