// A terminal in memory for the TUI benchmarks: Ink renders into it exactly as into a real
// one (a TTY of a given size, raw-mode stdin), and the benchmark sees when each frame is
// written. Used by bench/run.ts (`--only tui`).
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { createElement } from 'react';
import { findRepository } from '../src/ground/repository.js';
import { App } from '../src/tui/components/App.js';
import { openTuiData, type TuiData } from '../src/tui/data/index.js';

class Screen extends EventEmitter {
  readonly isTTY = true;
  last = '';
  private waiters: ((text: string) => void)[] = [];
  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }
  write(chunk: string | Uint8Array): boolean {
    this.last = String(chunk);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w(this.last);
    return true;
  }
  /** The next write for which `accept` holds. */
  next(accept: (text: string) => boolean): Promise<string> {
    return new Promise((resolve) => {
      const wait = (text: string) => (accept(text) ? resolve(text) : this.waiters.push(wait));
      this.waiters.push(wait);
    });
  }
}

class Keyboard extends EventEmitter {
  readonly isTTY = true;
  private data: string | null = null;
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  read(): string | null {
    const d = this.data;
    this.data = null;
    return d;
  }
  press(key: string): void {
    this.data = key;
    this.emit('readable');
  }
}

export interface Session {
  /** From opening the repository to the first frame holding the list (ms). */
  firstPaint: number;
  screen: Screen;
  /** Presses a key and resolves with the ms until the next frame is written. */
  press(key: string): Promise<number>;
  /** CPU time (user + system) this process used during the last press (ms). */
  lastCpu: number;
  waitFor(text: string): Promise<void>;
  close(): void;
}

/**
 * Opens the TUI on `dir` in a columns × rows in-memory terminal. Without `covenant` the
 * background covenant never starts (it cannot be stopped once started, and would compete
 * with the measurements that follow in this process).
 */
export async function openSession(
  dir: string,
  options: { columns?: number; rows?: number; covenant?: boolean } = {},
): Promise<Session> {
  const { columns = 100, rows = 30 } = options;
  const screen = new Screen(columns, rows);
  const keyboard = new Keyboard();
  const start = process.hrtime.bigint();
  const painted = screen.next((t) => /› /.test(t));
  const data: TuiData = await openTuiData(findRepository(dir));
  const app = render(
    createElement(App, {
      data,
      color: false,
      ...(options.covenant ? {} : { covenantDelay: 2 ** 31 - 1 }),
    }),
    {
      stdout: screen as unknown as NodeJS.WriteStream,
      stdin: keyboard as unknown as NodeJS.ReadStream,
      stderr: screen as unknown as NodeJS.WriteStream,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  await painted;
  const firstPaint = Number(process.hrtime.bigint() - start) / 1e6;
  const session: Session = {
    firstPaint,
    screen,
    lastCpu: 0,
    press: async (key) => {
      const drawn = screen.next((t) => t.length > 200);
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      keyboard.press(key);
      await drawn;
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const c = process.cpuUsage(c0);
      session.lastCpu = (c.user + c.system) / 1000;
      return ms;
    },
    waitFor: async (text) => {
      if (!screen.last.includes(text)) await screen.next((t) => t.includes(text));
    },
    close: () => {
      app.unmount();
      data.close();
    },
  };
  return session;
}
