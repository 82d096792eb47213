// `npm run demo`: the main job end to end in a scratch repository, printing every step.
// It creates a git repository and a throwaway key in a temporary folder, records a deploy
// receipt with an evidence file and a decision, seals, runs the covenant, tampers with one
// memory and shows the covenant catching it. Nothing outside the temporary folder changes.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdtempSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  writeFileSync,
  realpathSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/remembrancer.js', import.meta.url));
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[0m` : s);
const green = (s) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
const red = (s) => (tty ? `\x1b[31m${s}\x1b[0m` : s);

const root = realpathSync(mkdtempSync(join(tmpdir(), 'remembrancer-demo-')));
const repo = join(root, 'payments');
mkdirSync(repo);
const env = {
  ...process.env,
  HOME: root,
  XDG_CONFIG_HOME: join(root, 'config'),
  GIT_AUTHOR_NAME: 'Demo Operator',
  GIT_AUTHOR_EMAIL: 'demo@example.com',
  GIT_COMMITTER_NAME: 'Demo Operator',
  GIT_COMMITTER_EMAIL: 'demo@example.com',
  REMEMBRANCER_KEY: '',
  REMEMBRANCER_KEY_ID: '',
};
if (!tty) env.NO_COLOR = '1';

let step = 0;
function heading(text) {
  step += 1;
  console.log(`\n${bold(`${step}. ${text}`)}`);
}

function sh(cmd, args, { expect = 0 } = {}) {
  const shown = cmd === process.execPath ? ['remembrancer', ...args.slice(1)] : [cmd, ...args];
  console.log(dim(`$ ${shown.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`));
  // The child writes straight to this terminal, so it draws its tables and colours as it
  // would for a user.
  const result = spawnSync(cmd, args, { cwd: repo, env, stdio: 'inherit' });
  if (result.status !== expect) {
    console.error(
      red(`\nunexpected exit code ${result.status} (expected ${expect}); the demo stops here.`),
    );
    process.exit(1);
  }
}
const rem = (args, options) => sh(process.execPath, [BIN, ...args], options);

console.log(bold('Remembrancer demo') + dim(`  (scratch folder ${root})`));

heading('A fresh git repository, and Remembrancer initialised in it');
execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
rem(['init', '--name', 'payments']);

heading('A signing key (kept outside the repository) made a trust anchor');
rem(['key', 'generate', '--name', 'Demo Operator', '--email', 'demo@example.com', '--trust']);

heading('A deploy receipt, backed by an evidence file');
mkdirSync(join(repo, 'build'));
writeFileSync(join(repo, 'build', 'payments-1.4.2.tgz'), randomBytes(4096));
rem([
  'record',
  'deploy',
  '--component',
  'payments',
  '--version',
  '1.4.2',
  '--env',
  'production',
  '--evidence',
  'build/payments-1.4.2.tgz',
  '--note',
  'canary passed; promoted to all regions',
]);

heading('A decision, written down when it was made');
rem([
  'record',
  'decision',
  'Retry card captures at most 3 times, with exponential backoff',
  '--tag',
  'payments',
  '--tag',
  'reliability',
]);

heading('An architecture decision record, numbered by this repository');
rem([
  'adr',
  'create',
  'Settle card payments through one gateway',
  '--status',
  'accepted',
  '--context',
  'Two payment providers drift apart in fees and retries.',
  '--decision',
  'Route every capture through the payments gateway; keep provider adapters behind it.',
  '--consequences',
  'One place to audit; the gateway becomes critical.',
  '--tag',
  'payments',
]);

heading('Everything recorded so far, and a ranked search across it');
rem(['list']);
rem(['query', 'retry captures']);

heading('A seal: a signed checkpoint of the RFC 6962 Merkle root');
rem(['seal']);

heading('Anyone can check an artifact against the signed receipts');
rem(['verify', 'build/payments-1.4.2.tgz']);

heading('The covenant holds: integrity, provenance, time, continuity');
rem(['covenant']);

heading('Someone edits a deploy receipt by hand (version 1.4.2 becomes 1.4.3)');
const shardDirs = readdirSync(join(repo, '.remembrancer', 'memories'));
let tampered;
for (const shard of shardDirs) {
  for (const name of readdirSync(join(repo, '.remembrancer', 'memories', shard))) {
    const path = join(repo, '.remembrancer', 'memories', shard, name);
    const text = readFileSync(path, 'utf8');
    if (text.includes('"version": "1.4.2"')) {
      writeFileSync(path, text.replace('"version": "1.4.2"', '"version": "1.4.3"'));
      tampered = `.remembrancer/memories/${shard}/${name}`;
    }
  }
}
sh('git', ['--no-pager', 'diff', '--stat']);

heading('The covenant catches it (exit code 1)');
rem(['covenant'], { expect: 1 });

heading('Restoring the file from git restores the covenant');
sh('git', ['checkout', '--', tampered]);
rem(['covenant']);

console.log(`\n${green('✓ demo complete')}: the covenant caught the tampered receipt.`);
console.log(dim(`The demo repository is ${repo}; look around with git log, or remove ${root}.`));
