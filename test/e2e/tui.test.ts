/**
 * `remembrancer tui` as a person meets it: the built binary in a real terminal (tmux),
 * keys typed with send-keys, the screen read with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, Sandbox, sandboxTracker } from '../helpers/cli.js';

const track = sandboxTracker();
const SOCKET = `rem-tui-${process.pid}`;
let s: Sandbox;
/** An SGR foreground colour: ESC [ 30–37 m or 90–97 m. */
const FOREGROUND = new RegExp(`${String.fromCharCode(27)}\\[(3|9)[0-7]m`);

function tmux(args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], {
    encoding: 'utf8',
    env: { ...s.env, TERM: 'xterm-256color' },
  });
}

function screen(session: string, escapes = false): string {
  return tmux(['capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', session]);
}

async function until(session: string, what: string | RegExp, timeout = 30_000): Promise<string> {
  const start = Date.now();
  for (;;) {
    const text = screen(session);
    if (typeof what === 'string' ? text.includes(what) : what.test(text)) return text;
    if (Date.now() - start > timeout)
      throw new Error(`the terminal never showed ${String(what)}; it shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the TUI in a detached tmux session of the given size; it reports its exit code.
 * The sandbox's NO_COLOR is dropped: each test says whether it wants colour.
 */
function start(session: string, columns: number, rows: number, env: Record<string, string> = {}) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  const command = `cd '${s.repo}' && env -u NO_COLOR ${vars.join(' ')} '${process.execPath}' '${BIN}' tui; echo "exited $?"; sleep 60`;
  tmux(['new-session', '-d', '-s', session, '-x', String(columns), '-y', String(rows), command]);
}

beforeAll(async () => {
  s = track(new Sandbox());
  await s.initSigned();
  await s.ok(['record', 'decision', 'Use Postgres for the ledger']);
  await s.ok([
    'record',
    'deploy',
    '--component',
    'api',
    '--version',
    '2.0.0',
    '--sha256',
    'b'.repeat(64),
  ]);
  await s.ok(['seal']);
  await s.ok(['record', 'decision', 'Cache invoices in Redis']);
}, 120_000);

afterAll(() => {
  try {
    tmux(['kill-server']);
  } catch {
    // no server left
  }
});

describe('remembrancer tui', () => {
  it('refuses to start without a terminal and names the commands that print', async () => {
    const before = await s.state();
    const r = await s.run(['tui']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('tui needs an interactive terminal');
    for (const command of ['query', 'timeline', 'show']) expect(r.stderr).toContain(command);
    // With options it goes through the yargs program (a bare `tui` does not): the same answer.
    const viaYargs = await s.run(['tui', '-C', s.repo, '--no-color']);
    expect(viaYargs.code).toBe(2);
    expect(viaYargs.stderr).toBe(r.stderr);
    expect(await s.state()).toBe(before);
  });

  it('browses, searches, verifies, resizes and quits cleanly in a real terminal', async () => {
    // Memories made within one second are ordered by id: take the order from `timeline`.
    const days = await s.json<{ memories: { id: string; title: string }[] }[]>(['timeline']);
    const [first, second] = days.flatMap((d) => d.memories).map((m) => m.id.slice(0, 12));
    start('main', 80, 24, { NO_COLOR: '1' });
    await until('main', 'Cache invoices in Redis');
    // The node's name comes from the config, read after the first screen.
    await until('main', /^Remembrancer · test-node · 4 memories/);
    await until('main', '✓ covenant holds');
    // The newest memory is selected and verified in the detail pane.
    let text = await until('main', '✓ verified');
    expect(text).toMatch(new RegExp(`^› . ${first} `, 'm'));
    expect(text).toContain('✓ signature');
    // Move down one, then search as you type.
    tmux(['send-keys', '-t', 'main', 'j']);
    await until('main', new RegExp(`^› . ${second} `, 'm'));
    tmux(['send-keys', '-t', 'main', '/', 'p', 'o', 's', 't', 'g']);
    text = await until('main', '/postg');
    expect(text).toContain('Use Postgres for the ledger');
    expect(text).not.toContain('Cache invoices in Redis');
    await until('main', /✓ in seal [0-9a-f]{12}: leaf \d of 2, proof checks/);
    tmux(['send-keys', '-t', 'main', 'Escape']);
    await until('main', 'Cache invoices in Redis');
    // No colour was asked for, and none is drawn.
    expect(screen('main', true)).not.toMatch(FOREGROUND);
    // The help lists the keys; any key closes it.
    tmux(['send-keys', '-t', 'main', '?']);
    await until('main', 'Keys: any key closes this help');
    tmux(['send-keys', '-t', 'main', 'x']);
    await until('main', '/ search');
    tmux(['resize-window', '-t', 'main', '-x', '140', '-y', '30']);
    // Wider: list and detail side by side, the newest memory's row beside its heading.
    text = await until('main', new RegExp(`^› . ${first} .* ${first}`, 'm'));
    expect(text.split('\n').length).toBeGreaterThanOrEqual(30);
    tmux(['send-keys', '-t', 'main', 'q']);
    text = await until('main', 'exited 0');
    // The alternate screen is gone: the shell's screen is back, without the app on it.
    expect(text).not.toContain('Remembrancer ·');
  }, 180_000);

  it('draws in colour when colour is allowed, and Ctrl-C quits', async () => {
    // The first session left V8's code cache for the TUI's bundle; this one starts from it.
    const caches = readdirSync(join(s.home, '.cache', 'remembrancer', 'code-cache'));
    expect(caches).toEqual([expect.stringMatching(/^tui-[0-9a-f]{16}\.cjs-v[\d.]+-\w+\.v8$/)]);
    start('colour', 100, 30);
    await until('colour', '✓ verified');
    expect(screen('colour', true)).toMatch(FOREGROUND);
    tmux(['send-keys', '-t', 'colour', 'C-c']);
    const text = await until('colour', 'exited 0');
    expect(text).not.toContain('Remembrancer ·');
  });
});
