/**
 * Installing the git hooks of hooks/ into a repository. Two homes: a simple-git-hooks
 * config in package.json (the repository's own hook manager keeps the hooks), or the hooks
 * folder git really runs (`git rev-parse --git-path hooks`, so core.hooksPath is honoured).
 * A hook already there is kept beside ours and run first, never overwritten; uninstalling
 * puts it back.
 */
import { runGit } from '../git/git-command.js';
import { run } from '../ground/subprocess.js';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../ground/atomic-write.js';
import { RemembrancerError } from '../ground/errors.js';
import type { Repository } from '../ground/repository.js';

export const HOOK_NAMES = ['pre-commit', 'pre-push'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

/** The line that marks a hook file as ours. */
const MARKER = '# remembrancer-hook: ';
export const ORIGINAL_SUFFIX = '.remembrancer-original';
const SGH_KEY = 'simple-git-hooks';

export type HookMode = 'simple-git-hooks' | 'git-hooks';

export interface HookState {
  name: HookName;
  /** The file git runs for this hook. */
  path: string;
  installed: boolean;
  /** A hook that was there before ours, kept and run first. */
  chained: boolean;
  /** simple-git-hooks: our command is in package.json (installed says whether it was applied). */
  configured?: boolean;
}

export interface HooksStatus {
  mode: HookMode;
  hooksDir: string;
  /** core.hooksPath, when set. */
  hooksPath: string | null;
  hooks: HookState[];
}

export interface HooksChange extends HooksStatus {
  changed: string[];
  /** simple-git-hooks: whether its command ran to write the hooks. */
  applied?: boolean;
  notes: string[];
}

async function git(repo: Repository, args: string[]): Promise<string> {
  const r = await runGit(args, [], { cwd: repo.root });
  if (r.code !== 0) {
    throw new RemembrancerError(
      'GIT_FAILED',
      `git ${args.join(' ')} failed: ${(r.stderr || r.startError?.message || '').trim()}`,
      { fix: 'check that git is installed and that this is a git repository' },
    );
  }
  return r.stdout.toString('utf8').trim();
}

/** The folder git runs hooks from, core.hooksPath included. */
export async function gitHooksDir(repo: Repository): Promise<string> {
  const out = await git(repo, ['rev-parse', '--git-path', 'hooks']);
  return isAbsolute(out) ? out : resolve(repo.root, out);
}

async function hooksPathSetting(repo: Repository): Promise<string | null> {
  try {
    return (await git(repo, ['config', '--get', 'core.hooksPath'])) || null;
  } catch {
    return null; // not set
  }
}

/** The hooks/ folder shipped beside this build (dist/… → ../hooks). */
export function shippedHooksDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'hooks', 'pre-commit')) && existsSync(join(dir, 'package.json'))) {
      return join(dir, 'hooks');
    }
    dir = dirname(dir);
  }
  throw new RemembrancerError('FILE_NOT_FOUND', 'the hooks/ folder of remembrancer is missing', {
    fix: 'reinstall remembrancer; its package ships hooks/pre-commit and hooks/pre-push',
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The hook file's text: the shipped script, told which CLI installed it. */
export async function hookScript(name: HookName, cli: { node: string; script: string }) {
  const text = await readFile(join(shippedHooksDir(), name), 'utf8');
  return text
    .replace(/^installed_node=''$/m, `installed_node=${quote(cli.node)}`)
    .replace(/^installed_cli=''$/m, `installed_cli=${quote(cli.script)}`);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

const isOurs = (text: string | undefined, name: HookName) =>
  text !== undefined && text.includes(MARKER + name);

// --- simple-git-hooks ---------------------------------------------------------------------

interface PackageJson {
  text: string;
  value: Record<string, unknown>;
  config: Record<string, string> | undefined;
}

async function readPackageJson(repo: Repository): Promise<PackageJson | undefined> {
  const path = join(repo.root, 'package.json');
  const text = await readText(path);
  if (text === undefined) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new RemembrancerError('MALFORMED_JSON', 'package.json does not parse as JSON', {
      file: path,
      fix: 'fix package.json first (npm and simple-git-hooks need it too)',
    });
  }
  const config = value[SGH_KEY];
  return {
    text,
    value,
    config:
      config && typeof config === 'object' && !Array.isArray(config)
        ? (config as Record<string, string>)
        : undefined,
  };
}

/** The command simple-git-hooks runs for one of our hooks: a path inside the repository. */
function sghCommand(repo: Repository, name: HookName): { command: string; portable: boolean } {
  const script = join(shippedHooksDir(), name);
  const rel = relative(repo.root, script);
  const inside = !rel.startsWith('..') && !isAbsolute(rel);
  const path = inside ? rel.split(sep).join('/') : script;
  return { command: `sh ${path.includes(' ') ? quote(path) : path}`, portable: inside };
}

const withoutOurs = (entry: string, ours: string) =>
  entry
    .split(' && ')
    .filter((part) => part.trim() !== ours)
    .join(' && ');

async function writePackageJson(repo: Repository, pkg: PackageJson): Promise<void> {
  const indent = /^[ \t]+/m.exec(pkg.text)?.[0] ?? '  ';
  await writeFileAtomic(
    join(repo.root, 'package.json'),
    JSON.stringify(pkg.value, null, indent) + '\n',
  );
}

/** Runs the repository's own simple-git-hooks so the config becomes hook files. */
async function applySimpleGitHooks(repo: Repository): Promise<boolean> {
  const bin = join(repo.root, 'node_modules', '.bin', 'simple-git-hooks');
  if (!existsSync(bin)) return false;
  const r = await run(bin, [], { cwd: repo.root });
  if (r.code !== 0) {
    throw new RemembrancerError(
      'GIT_FAILED',
      `simple-git-hooks failed: ${(r.stderr || r.startError?.message || '').trim()}`,
      {
        file: join(repo.root, 'package.json'),
        fix: 'run `npx simple-git-hooks` and fix what it reports',
      },
    );
  }
  return true;
}

// --- status, install, uninstall -----------------------------------------------------------

export async function hooksStatus(repo: Repository): Promise<HooksStatus> {
  const hooksDir = await gitHooksDir(repo);
  const hooksPath = await hooksPathSetting(repo);
  const pkg = await readPackageJson(repo);
  const mode: HookMode = pkg?.config ? 'simple-git-hooks' : 'git-hooks';
  const hooks: HookState[] = [];
  for (const name of HOOK_NAMES) {
    const path = join(hooksDir, name);
    const text = await readText(path);
    if (mode === 'simple-git-hooks') {
      const { command } = sghCommand(repo, name);
      const entry = pkg?.config?.[name] ?? '';
      const configured = entry.split(' && ').some((p) => p.trim() === command);
      hooks.push({
        name,
        path,
        configured,
        installed: configured && text !== undefined && text.includes(command),
        chained: withoutOurs(entry, command).trim() !== '',
      });
    } else {
      hooks.push({
        name,
        path,
        installed: isOurs(text, name),
        chained: existsSync(path + ORIGINAL_SUFFIX),
      });
    }
  }
  return { mode, hooksDir, hooksPath, hooks };
}

export interface InstallOptions {
  /** The CLI the hooks fall back to when none is found on the machine that runs them. */
  cli: { node: string; script: string };
}

export async function installHooks(
  repo: Repository,
  options: InstallOptions,
): Promise<HooksChange> {
  const pkg = await readPackageJson(repo);
  const changed: string[] = [];
  const notes: string[] = [];
  if (pkg?.config) {
    for (const name of HOOK_NAMES) {
      const { command, portable } = sghCommand(repo, name);
      if (!portable) {
        notes.push(
          `package.json names ${command.slice(3)}, a path on this machine only; add remembrancer as a devDependency so it becomes node_modules/remembrancer/hooks/${name}`,
        );
      }
      const entry = pkg.config[name] ?? '';
      if (entry.split(' && ').some((p) => p.trim() === command)) continue;
      // Ours first: a pre-push reads the refs on stdin, which only the first command sees.
      pkg.config[name] = entry.trim() ? `${command} && ${entry}` : command;
      changed.push(`package.json ${SGH_KEY}.${name}`);
    }
    if (changed.length > 0) await writePackageJson(repo, pkg);
    const applied = await applySimpleGitHooks(repo);
    if (!applied) notes.push('run `npx simple-git-hooks` to write the hooks from package.json');
    return { ...(await hooksStatus(repo)), changed, applied, notes };
  }

  const hooksDir = await gitHooksDir(repo);
  await mkdir(hooksDir, { recursive: true });
  for (const name of HOOK_NAMES) {
    const path = join(hooksDir, name);
    const script = await hookScript(name, options.cli);
    const current = await readText(path);
    if (current === script) continue;
    if (current !== undefined && !isOurs(current, name)) {
      if (existsSync(path + ORIGINAL_SUFFIX)) {
        throw new RemembrancerError(
          'INVALID_STATE',
          `${name} hook and a kept earlier hook both exist, so neither can be replaced`,
          {
            file: path + ORIGINAL_SUFFIX,
            fix: `merge or remove one of ${path} and ${path + ORIGINAL_SUFFIX}, then run \`remembrancer hooks install\` again`,
          },
        );
      }
      await rename(path, path + ORIGINAL_SUFFIX);
      notes.push(`kept the existing ${name} hook; it runs first (${path + ORIGINAL_SUFFIX})`);
    }
    await writeFileAtomic(path, script);
    await chmod(path, 0o755);
    changed.push(path);
  }
  return { ...(await hooksStatus(repo)), changed, notes };
}

export async function uninstallHooks(repo: Repository): Promise<HooksChange> {
  const pkg = await readPackageJson(repo);
  const changed: string[] = [];
  const notes: string[] = [];
  if (pkg?.config) {
    for (const name of HOOK_NAMES) {
      const { command } = sghCommand(repo, name);
      const entry = pkg.config[name];
      if (entry === undefined) continue;
      const rest = withoutOurs(entry, command);
      if (rest === entry) continue;
      if (rest.trim() === '') delete pkg.config[name];
      else pkg.config[name] = rest;
      changed.push(`package.json ${SGH_KEY}.${name}`);
    }
    if (changed.length > 0) await writePackageJson(repo, pkg);
    const applied = changed.length > 0 ? await applySimpleGitHooks(repo) : false;
    if (changed.length > 0 && !applied)
      notes.push('run `npx simple-git-hooks` to rewrite the hooks from package.json');
    return { ...(await hooksStatus(repo)), changed, applied, notes };
  }

  const hooksDir = await gitHooksDir(repo);
  for (const name of HOOK_NAMES) {
    const path = join(hooksDir, name);
    const current = await readText(path);
    const original = path + ORIGINAL_SUFFIX;
    if (!isOurs(current, name)) continue;
    if (existsSync(original)) {
      await rename(original, path);
      notes.push(`restored the earlier ${name} hook`);
    } else await rm(path);
    changed.push(path);
  }
  return { ...(await hooksStatus(repo)), changed, notes };
}
