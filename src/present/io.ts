/**
 * All terminal output goes through one IO object: it knows whether stdout and stderr are
 * terminals and whether colour is on (NO_COLOR, FORCE_COLOR, --no-color), and it draws
 * tables for people and JSON for programs from the same data.
 */
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { textWidth as stringWidth } from './text-width.js';
import { RemembrancerError } from '../ground/errors.js';
import { printablePath } from '../ground/paths.js';

type Colors = ReturnType<typeof pc.createColors>;

export interface IOOptions {
  stdout?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
  color?: boolean | undefined;
}

export class IO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly isStdoutTTY: boolean;
  readonly isStderrTTY: boolean;
  readonly color: boolean;
  readonly c: Colors;
  readonly env: NodeJS.ProcessEnv;

  constructor(options: IOOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.stderr = options.stderr ?? process.stderr;
    this.env = options.env ?? process.env;
    this.isStdoutTTY = Boolean(this.stdout.isTTY);
    this.isStderrTTY = Boolean(this.stderr.isTTY);
    this.color = options.color ?? IO.colorFromEnv(this.env, this.isStdoutTTY);
    this.c = pc.createColors(this.color);
  }

  /** NO_COLOR (any value) turns colour off; FORCE_COLOR turns it on; otherwise only on a TTY. */
  static colorFromEnv(env: NodeJS.ProcessEnv, tty: boolean): boolean {
    if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
    if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
    return tty && env['TERM'] !== 'dumb';
  }

  out(text = ''): void {
    this.stdout.write(text + '\n');
  }

  err(text = ''): void {
    this.stderr.write(text + '\n');
  }

  json(value: unknown): void {
    this.stdout.write(JSON.stringify(value, null, 2) + '\n');
  }

  warn(message: string): void {
    this.err(`${this.c.yellow('warning:')} ${message}`);
  }

  note(message: string): void {
    this.err(this.c.dim(message));
  }

  /** One line for an error: what, where, and how to fix it. */
  error(err: unknown): void {
    if (err instanceof RemembrancerError) {
      const where = err.file ? `${printablePath(err.file)}: ` : '';
      const fix = err.fix ? ` ${this.c.dim(`(fix: ${err.fix})`)}` : '';
      this.err(`${this.c.red('error:')} ${where}${err.message}${fix}`);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      this.err(
        `${this.c.red('error:')} ${message.split('\n')[0]} ${this.c.dim('(this is a bug; set REMEMBRANCER_DEBUG=1 for details)')}`,
      );
      if (this.env['REMEMBRANCER_DEBUG'] && err instanceof Error && err.stack) this.err(err.stack);
    }
  }

  /** Aligned columns, gh style: a header in a terminal, plain tab-separated rows in a pipe. */
  table(headers: string[], rows: string[][]): void {
    if (!this.isStdoutTTY) {
      for (const row of rows) this.out(row.join('\t'));
      return;
    }
    const widths = headers.map((h, i) =>
      Math.max(stringWidth(h), ...rows.map((r) => stringWidth(r[i] ?? ''))),
    );
    const total = this.stdout.columns ?? 120;
    // Give the last column whatever room is left and truncate it to fit.
    const fixed = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
    const last = Math.max(10, total - fixed);
    const fit = (text: string, width: number) => {
      if (stringWidth(text) <= width) return text + ' '.repeat(width - stringWidth(text));
      // Colour does not survive a cut (half an escape sequence would bleed): drop it.
      let cut = stripVTControlCharacters(text);
      while (stringWidth(cut) > width - 1) cut = cut.slice(0, -1);
      return cut + '…';
    };
    const line = (cells: string[], style: (s: string) => string = (s) => s) =>
      cells
        .map((cell, i) =>
          i === cells.length - 1 ? fit(cell, last).trimEnd() : fit(cell, widths[i] ?? 0),
        )
        .map(style)
        .join('  ');
    this.out(line(headers, (s) => this.c.bold(s)));
    for (const row of rows) this.out(line(row));
  }

  /** A progress bar on stderr, drawn only when stderr is a terminal. */
  progress(label: string): { update(done: number, total: number): void; done(): void } {
    if (!this.isStderrTTY) return { update: () => undefined, done: () => undefined };
    let last = 0;
    let drawn = false;
    return {
      update: (done, total) => {
        const now = Date.now();
        if (now - last < 80 && done < total) return;
        last = now;
        drawn = true;
        const width = 30;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        this.stderr.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`,
        );
      },
      done: () => {
        if (drawn) this.stderr.write('\r\x1b[2K');
      },
    };
  }
}
