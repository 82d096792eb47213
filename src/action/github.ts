/**
 * The runner's side of a JavaScript Action, written against the documented protocol
 * (inputs in INPUT_* variables, workflow commands on stdout, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files) rather than a toolkit package, so the bundle stays ours.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';

export class Runner {
  constructor(
    readonly env: NodeJS.ProcessEnv,
    private readonly write: (line: string) => void,
  ) {}

  /** An input as the runner passes it: INPUT_ and the name in upper case, spaces as _. */
  input(name: string): string {
    return (this.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();
  }

  /** Reads an input and removes it from the environment, so no child process inherits it. */
  takeSecret(name: string): string {
    const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
    const value = this.env[key] ?? '';
    delete this.env[key];
    if (this.env !== process.env) delete process.env[key];
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.input(name).toLowerCase();
    if (value === '') return fallback;
    if (['true', 'yes', '1', 'on'].includes(value)) return true;
    if (['false', 'no', '0', 'off'].includes(value)) return false;
    throw new Error(`input ${name} must be true or false, not "${value}"`);
  }

  log(text: string): void {
    this.write(text);
  }

  /** Tells the runner to hide this value in every log line from now on. */
  mask(secret: string): void {
    for (const line of secret.split(/\r?\n/)) {
      const value = line.trim();
      // Armour headers and short lines are not secret, and masking them garbles the log.
      if (value.length >= 8 && !value.startsWith('-----')) this.write(`::add-mask::${value}`);
    }
  }

  annotate(
    level: 'error' | 'warning' | 'notice',
    message: string,
    props: { file?: string | undefined; title?: string | undefined } = {},
  ): void {
    const list = Object.entries(props)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${k}=${escapeProperty(v as string)}`)
      .join(',');
    this.write(`::${level}${list ? ' ' + list : ''}::${escapeData(message)}`);
  }

  group<T>(title: string, body: () => T): T {
    this.write(`::group::${title}`);
    try {
      return body();
    } finally {
      this.write('::endgroup::');
    }
  }

  setOutput(name: string, value: string): void {
    const file = this.env['GITHUB_OUTPUT'];
    if (!file) {
      this.write(`${name}=${value}`);
      return;
    }
    const delimiter = `ghadelimiter_${randomBytes(8).toString('hex')}`;
    appendFileSync(file, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
  }

  summary(markdown: string): void {
    const file = this.env['GITHUB_STEP_SUMMARY'];
    if (file) appendFileSync(file, markdown.endsWith('\n') ? markdown : markdown + '\n');
  }
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
