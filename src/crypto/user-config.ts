/**
 * The user's own settings, outside every repository: $XDG_CONFIG_HOME/remembrancer/.
 * Private keys made by `key generate` live here (mode 0600), never in a repository.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseJson } from '../ground/canonical-json.js';
import { RemembrancerError } from '../ground/errors.js';
import { writeFileAtomic } from '../ground/atomic-write.js';

export interface UserConfig {
  /** Default signing key file. */
  key?: string;
  /** Default GnuPG key id. */
  gpgKey?: string;
}

export function userConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'remembrancer');
}

export function userKeysDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(userConfigDir(env), 'keys');
}

export async function readUserConfig(env: NodeJS.ProcessEnv = process.env): Promise<UserConfig> {
  const file = join(userConfigDir(env), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const value = parseJson(text, file);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RemembrancerError('MALFORMED_JSON', 'user config must be a JSON object', {
      file,
      fix: 'fix or delete the file',
    });
  }
  const config: UserConfig = {};
  if (typeof value['key'] === 'string') config.key = value['key'];
  if (typeof value['gpgKey'] === 'string') config.gpgKey = value['gpgKey'];
  return config;
}

export async function writeUserConfig(
  config: UserConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const dir = userConfigDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'config.json');
  await writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return file;
}
