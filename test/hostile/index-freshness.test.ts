/**
 * The search index against the files under it. Someone with write access to the working
 * tree edits, deletes, adds or moves memory files by hand, puts modification times back
 * (`touch -r`) so that sizes and times look as before, or damages the index file itself;
 * a TUI or an MCP server may be running meanwhile. Whatever they do, `query`, `timeline`,
 * MCP search and the TUI never show text that differs from what is on disk: a file that no
 * longer verifies is left out with the same one-line warning `list` gives, naming the file
 * and the fix. Nothing of ours (HEAD, the git index, the files) changes.
 *
 * Each case first lets the index settle (its stamps older than the racy-git margin), as a
 * repository left alone does, so that nothing but the edit can make the index look again.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src/ground/canonical-json.js';
import { serializeEnvelope, type Envelope } from '../../src/memory/envelope.js';
import { findRepository } from '../../src/ground/repository.js';
import { App } from '../../src/tui/components/App.js';
import { openTuiData } from '../../src/tui/data/index.js';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { call, connectStdio } from '../helpers/mcp.js';

const track = sandboxTracker();
let base: Sandbox;
const ids: Record<'postgres' | 'redis' | 'kafka', string> = { postgres: '', redis: '', kafka: '' };

const TITLE = 'Use Postgres for the ledger';

beforeAll(async () => {
  base = track(new Sandbox());
  await base.initSigned();
  const record = async (text: string) =>
    (await base.json<{ id: string }>(['record', 'decision', text])).id;
  ids.postgres = await record(TITLE);
  ids.redis = await record('Cache invoices in Redis');
  ids.kafka = await record('Adopt Kafka for the event bus');
  const days = await base.json<Day[]>(['timeline']);
  order = days.flatMap((d) => d.memories.map((m) => m.id));
}, 120_000);

/** The timeline of the base (newest first, ties by id), and without the Postgres memory. */
let order: string[] = [];
const others = () => order.filter((id) => id !== ids.postgres);

const fileOf = (id: string) => `.remembrancer/memories/${id.slice(0, 2)}/${id}.json`;

/**
 * A copy of the base whose index is settled: built, then looked at again once every file
 * and folder under memories/ is older than the racy-git margin (two seconds), as an index
 * is in a repository nobody has touched for a while.
 */
async function settled(prepare?: (s: Sandbox) => void): Promise<Sandbox> {
  const s = track(base.fork());
  prepare?.(s);
  await s.ok(['query', 'postgres']);
  await sleep(2100);
  await s.ok(['query', 'postgres']);
  return s;
}

/** The memory `id` with its decision text changed, as a hand edit would leave it. */
function altered(
  s: Sandbox,
  id: string,
  from: string,
  to: string,
): { bytes: string; hash: string } {
  const envelope = JSON.parse(s.read(fileOf(id))) as Envelope;
  const body = envelope.signed.body as { text: string };
  body.text = body.text.replace(from, to);
  return {
    bytes: serializeEnvelope(envelope),
    hash: createHash('sha256').update(canonicalBytes(envelope.signed)).digest('hex'),
  };
}

/** Runs `change`, then puts the times of `path` back as they were, to the nanosecond. */
function timesKept(s: Sandbox, path: string, change: () => void): void {
  const reference = join(s.dir, 'times-reference');
  writeFileSync(reference, '');
  execFileSync('touch', ['-r', join(s.repo, path), reference]);
  change();
  execFileSync('touch', ['-r', reference, join(s.repo, path)]);
}

/** Writes `bytes` over the file in place (same inode), its times put back (touch -r). */
function editInPlace(s: Sandbox, path: string, bytes: string): void {
  timesKept(s, path, () => writeFileSync(join(s.repo, path), bytes));
}

/** The line list, query and timeline print about an altered memory file. */
function alteredLine(path: string, hash: string): string {
  return (
    `warning: left out ${path}: content hashes to ${hash.slice(0, 12)}…, not to the id in ` +
    `its name: the memory was altered (fix: restore it with \`git checkout -- ${path}\`; to ` +
    `change a memory, record a new one)`
  );
}

interface Hit {
  id: string;
  title: string;
  snippet: { text: string };
}
interface Day {
  memories: { id: string; title: string }[];
}

async function titles(
  s: Sandbox,
  args: string[],
): Promise<{ code: number; ids: string[]; titles: string[]; stderr: string }> {
  const r = await s.run([...args, '--json']);
  const parsed = JSON.parse(r.stdout) as (Hit | Day)[];
  const items = parsed.flatMap((x) => ('memories' in x ? x.memories : [x]));
  return {
    code: r.code,
    ids: items.map((m) => m.id),
    titles: items.map((m) => m.title),
    stderr: r.stderr.trim(),
  };
}

describe('a memory file edited by hand', () => {
  it('is left out of query and timeline with the line list prints, until restored', async () => {
    const s = await settled();
    const path = fileOf(ids.postgres);
    const edit = altered(s, ids.postgres, 'Postgres', 'MySQL');
    editInPlace(s, path, edit.bytes);
    const before = await s.state();
    const line = alteredLine(path, edit.hash);

    for (const words of [['postgres'], ['mysql'], ['ledger']]) {
      const q = await titles(s, ['query', ...words]);
      expect(q).toEqual({ code: 0, ids: [], titles: [], stderr: line });
    }
    const t = await titles(s, ['timeline']);
    expect(t).toEqual({
      code: 0,
      ids: others(),
      titles: expect.any(Array),
      stderr: line,
    });
    const list = await s.run(['list', '--json']);
    expect([list.code, list.stderr.trim()]).toEqual([0, line]);
    // Said again on the next answer, as list says it every time.
    expect((await titles(s, ['query', 'postgres'])).stderr).toBe(line);
    expect(await s.state()).toBe(before);
    expect(s.read(path)).toBe(edit.bytes);

    // The fix the line names brings it back.
    await s.git(['checkout', '--', path]);
    const back = await titles(s, ['query', 'postgres']);
    expect(back).toEqual({ code: 0, ids: [ids.postgres], titles: [TITLE], stderr: '' });
    expect((await titles(s, ['timeline'])).ids).toContain(ids.postgres);
  });

  it('is caught with the same size and the modification time put back (touch -r)', async () => {
    const s = await settled();
    const path = fileOf(ids.postgres);
    // Rewriting the same bytes changes the stamp, not the memory: still shown, no warning.
    editInPlace(s, path, s.read(path));
    expect(await titles(s, ['query', 'postgres'])).toEqual({
      code: 0,
      ids: [ids.postgres],
      titles: [TITLE],
      stderr: '',
    });
    await sleep(2100);
    await s.ok(['query', 'postgres']);

    const original = statSync(join(s.repo, path), { bigint: true });
    const edit = altered(s, ids.postgres, 'Postgres', 'Postgrex');
    editInPlace(s, path, edit.bytes);
    const after = statSync(join(s.repo, path), { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([
      original.size,
      original.mtimeNs,
      original.ino,
    ]);
    const before = await s.state();
    const q = await titles(s, ['query', 'postgres']);
    expect(q).toEqual({ code: 0, ids: [], titles: [], stderr: alteredLine(path, edit.hash) });
    expect(await s.state()).toBe(before);
  });
});

describe('files come and go with their folder times put back', () => {
  it('a deleted file is no longer shown', async () => {
    const s = await settled();
    const path = fileOf(ids.postgres);
    timesKept(s, `.remembrancer/memories/${ids.postgres.slice(0, 2)}`, () =>
      rmSync(join(s.repo, path)),
    );
    const before = await s.state();
    expect(await titles(s, ['query', 'postgres'])).toEqual({
      code: 0,
      ids: [],
      titles: [],
      stderr: '',
    });
    expect((await titles(s, ['timeline'])).ids).toEqual(others());
    expect(await s.state()).toBe(before);
  });

  it('an added file is found', async () => {
    // A memory recorded elsewhere (same key), copied in by hand into a shard folder that
    // was already there.
    const other = track(base.fork());
    const { id } = await other.json<{ id: string }>(['record', 'decision', 'Wombat canary']);
    const path = fileOf(id);
    const shard = `.remembrancer/memories/${id.slice(0, 2)}`;
    const s = await settled((s) => mkdirSync(join(s.repo, shard), { recursive: true }));
    timesKept(s, shard, () => s.write(path, other.read(path)));
    const before = await s.state();
    expect(await titles(s, ['query', 'wombat'])).toEqual({
      code: 0,
      ids: [id],
      titles: ['Wombat canary'],
      stderr: '',
    });
    expect(await s.state()).toBe(before);
  });

  it('a file moved into another shard is left out with the line list prints', async () => {
    const s = await settled();
    const path = fileOf(ids.postgres);
    const shard = ids.redis.slice(0, 2);
    const moved = `.remembrancer/memories/${shard}/${ids.postgres}.json`;
    renameSync(join(s.repo, path), join(s.repo, moved));
    const before = await s.state();
    const line =
      `warning: left out ${moved}: memory is filed under the wrong shard ` +
      `(fix: move it to ${path})`;
    expect(await titles(s, ['query', 'postgres'])).toEqual({
      code: 0,
      ids: [],
      titles: [],
      stderr: line,
    });
    expect((await titles(s, ['timeline'])).stderr).toBe(line);
    const list = await s.run(['list', '--json']);
    expect(list.stderr.trim()).toBe(line);
    expect(await s.state()).toBe(before);
  });
});

describe('the index file itself', () => {
  it('damaged in place so that it still parses is built again, never shown', async () => {
    const s = await settled();
    const cache = join(s.repo, '.git', 'remembrancer');
    const names = readdirSync(cache).filter((n) => /^search-v\d+\.idx$/.test(n));
    expect(names).toHaveLength(1);
    const index = join(cache, names[0] as string);
    const bytes = readFileSync(index);
    const at = bytes.indexOf(Buffer.from(TITLE));
    expect(at).toBeGreaterThan(0);
    bytes.write('Q', at + 'Use '.length, 'latin1'); // "Use Qostgres for the ledger"
    writeFileSync(index, bytes);
    const before = await s.state();
    expect(await titles(s, ['query', 'ledger'])).toEqual({
      code: 0,
      ids: [ids.postgres],
      titles: [TITLE],
      stderr: '',
    });
    expect(await s.state()).toBe(before);
  });
});

describe('while a server or the TUI is running', () => {
  it('MCP search and list_memory_ids leave out a file edited between two calls', async () => {
    const s = await settled();
    const server = await connectStdio(s);
    try {
      const first = await call<{ results: { id: string }[] }>(server.client, 'search_memories', {
        query: 'postgres',
      });
      expect(first.results.map((r) => r.id)).toEqual([ids.postgres]);
      const path = fileOf(ids.postgres);
      const edit = altered(s, ids.postgres, 'Postgres', 'Postgrex');
      editInPlace(s, path, edit.bytes);
      const before = await s.state();
      const problem = {
        file: path,
        problem: `content hashes to ${edit.hash.slice(0, 12)}…, not to the id in its name: the memory was altered`,
        fix: `restore it with \`git checkout -- ${path}\`; to change a memory, record a new one`,
      };
      const again = await call(server.client, 'search_memories', { query: 'postgres' });
      expect(again).toEqual({ total: 0, invalidFiles: 1, invalid: [problem], results: [] });
      const all = await call<{ memories: { id: string }[]; invalid: unknown[] }>(
        server.client,
        'list_memory_ids',
      );
      expect(all.memories.map((m) => m.id)).toEqual(others());
      expect(all.invalid).toEqual([problem]);
      expect(await s.state()).toBe(before);
    } finally {
      await server.close();
    }
  });

  it('the TUI shows a file edited while it runs as broken, never its old text', async () => {
    const s = await settled();
    const data = await openTuiData(findRepository(s.repo));
    const app = render(
      createElement(App, {
        data,
        color: false,
        size: { columns: 120, rows: 20 },
        covenantDelay: 60_000,
        detailDelay: 60_000,
      }),
    );
    const frame = () => app.lastFrame() ?? '';
    const until = async (what: string): Promise<string> => {
      for (let i = 0; i < 500; i++) {
        if (frame().includes(what)) return frame();
        await sleep(20);
      }
      throw new Error(`screen never showed ${what}; last frame:\n${frame()}`);
    };
    try {
      await until(TITLE);
      const path = fileOf(ids.postgres);
      editInPlace(s, path, altered(s, ids.postgres, 'Postgres', 'Postgrex').bytes);
      app.stdin.write('j'); // any key draws the list again
      const shown = await until('content hashes to');
      expect(shown).not.toContain(TITLE);
      expect(shown).not.toContain('Postgrex');
      // Searching finds nothing of it either.
      for (const key of ['/', 'p', 'o', 's', 't', 'g', 'r', 'e', 's']) {
        app.stdin.write(key);
        await sleep(10);
      }
      const searched = await until('/postgres');
      expect(searched).not.toContain(TITLE);
    } finally {
      app.unmount();
      data.close();
    }
  });
});
