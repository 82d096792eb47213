import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeKey, readPublicKey } from '../../crypto/openpgp.js';
import { readUserConfig, userKeysDir } from '../../crypto/user-config.js';
import { publicFileFor } from '../../crypto/keygen.js';
import type { IO } from '../../present/io.js';

export interface KeyListOptions {
  json: boolean;
}

export async function run(options: KeyListOptions, io: IO): Promise<number> {
  const dir = userKeysDir(io.env);
  const config = await readUserConfig(io.env);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.key.asc')).sort();
  } catch {
    names = [];
  }
  const keys = [];
  for (const name of names) {
    const privateFile = join(dir, name);
    try {
      const info = await describeKey(
        await readPublicKey(await readFile(publicFileFor(privateFile), 'utf8')),
      );
      keys.push({ ...info, privateKey: privateFile, default: config.key === privateFile });
    } catch {
      // a key file without its public half is not ours to describe
    }
  }
  if (options.json) {
    io.json(keys.map(({ armored: _armored, ...k }) => k));
    return 0;
  }
  if (keys.length === 0) {
    io.out(`no keys in ${dir}; create one with ${io.c.cyan('remembrancer key generate')}`);
    return 0;
  }
  io.table(
    ['FINGERPRINT', 'USER ID', 'CREATED', 'FILE'],
    keys.map((k) => [
      (k.default ? '* ' : '  ') + k.fingerprint,
      k.userIds[0] ?? '',
      k.created.slice(0, 10),
      k.privateKey,
    ]),
  );
  return 0;
}
