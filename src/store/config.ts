/** .remembrancer/config.json: node name, policy, TSAs. */
import { decodeUtf8, parseJson } from '../ground/canonical-json.js';
import { RemembrancerError } from '../ground/errors.js';
import { CONFIG_FILE, repoRelative } from '../ground/paths.js';
import { validateConfig } from '../memory/schemas.js';
import type { Snapshot } from '../ground/snapshot.js';

export type Policy = 'strict' | 'permissive';

export interface TsaConfig {
  name: string;
  url: string;
}

export interface Config {
  schema: 1;
  node: string;
  policy: Policy;
  /** Every memory must carry a valid timestamp (set by teams that need proof of time). */
  requireTimestamp?: boolean;
  tsa?: TsaConfig[];
}

export const POLICIES: readonly Policy[] = ['strict', 'permissive'];

const MAX_CONFIG_BYTES = 64 * 1024;

/** The config of a snapshot, or undefined where the snapshot has no .remembrancer/. */
export async function readConfig(snapshot: Snapshot): Promise<Config | undefined> {
  const bytes = await snapshot.read(CONFIG_FILE, MAX_CONFIG_BYTES);
  if (bytes === undefined) return undefined;
  const file = repoRelative(CONFIG_FILE);
  const value = parseJson(decodeUtf8(bytes, file), file);
  validateConfig(value, file);
  return value as unknown as Config;
}

export async function requireConfig(snapshot: Snapshot): Promise<Config> {
  const config = await readConfig(snapshot);
  if (!config) {
    throw new RemembrancerError(
      'NOT_INITIALIZED',
      `${snapshot.label} has no ${repoRelative(CONFIG_FILE)}`,
      {
        fix: 'run `remembrancer init` first',
      },
    );
  }
  return config;
}

export function serializeConfig(config: Config): string {
  return JSON.stringify(config, null, 2) + '\n';
}

/** A node name derived from a folder name: what `init` uses when --name is not given. */
export function defaultNodeName(folder: string): string {
  const cleaned = folder
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64);
  return cleaned || 'node';
}
