/**
 * The bundled GitHub Action (dist/action.js) run as the runner runs it: node on the file,
 * the event payload in GITHUB_EVENT_PATH, inputs in INPUT_* variables, outputs and the job
 * summary in files, annotations on stdout.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sandbox } from './cli.js';

const ACTION = fileURLToPath(new URL('../../dist/action.js', import.meta.url));

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT as the runner reads it: `name<<DELIM` … `DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^(.+?)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

export function runAction(
  s: Sandbox,
  event: string,
  payload: unknown,
  inputs: Record<string, string> = {},
  extra: NodeJS.ProcessEnv = {},
): Promise<ActionRun> {
  const runner = join(s.dir, `runner-${Math.random().toString(36).slice(2)}`);
  const files = {
    event: `${runner}-event.json`,
    output: `${runner}-output`,
    summary: `${runner}-summary.md`,
  };
  writeFileSync(files.event, JSON.stringify(payload));
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const env: NodeJS.ProcessEnv = {
    ...s.env,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_WORKSPACE: s.repo,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'acme/payments',
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return new Promise((resolve, reject) => {
    // The runner starts the action in the workspace, from the action's own folder.
    const child = spawn(process.execPath, [ACTION], { cwd: s.repo, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        outputs: parseOutputs(readFileSync(files.output, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
      }),
    );
    child.stdin.end();
  });
}

/** The shape GitHub sends for pull_request (the fields the Action reads, and their neighbours). */
export function pullRequestPayload(baseSha: string, headSha: string, number = 7) {
  const repo = { id: 1, name: 'payments', full_name: 'acme/payments', private: true };
  return {
    action: 'synchronize',
    number,
    pull_request: {
      id: 1000 + number,
      number,
      state: 'open',
      title: 'Record the ledger decision',
      user: { login: 'ada' },
      head: { label: 'ada:feature', ref: 'feature', sha: headSha, repo },
      base: { label: 'acme:main', ref: 'main', sha: baseSha, repo },
      merged: false,
    },
    repository: repo,
    sender: { login: 'ada' },
  };
}

/** The `::error …` (or other level) annotation lines of a run's stdout. */
export function annotations(stdout: string, level = 'error'): string[] {
  return stdout.split('\n').filter((l) => l.startsWith(`::${level} `));
}
