import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { decodeUtf8, parseJson } from '../ground/canonical-json.js';
import { RemembrancerError } from '../ground/errors.js';
import { verifyBundle, type BundleTrust } from '../proof/verify-bundle.js';
import { readPublicKey } from '../crypto/openpgp.js';
import type { GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';

export interface VerifyProofOptions extends GlobalOptions {
  file: string;
  trust: string[];
  tsaRoot: string[];
  json: boolean;
}

const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

async function readInput(file: string, what: string, fix: string): Promise<Buffer> {
  try {
    const stats = await stat(file);
    if (stats.size > MAX_BUNDLE_BYTES) {
      throw new RemembrancerError(
        'FILE_TOO_LARGE',
        `${what} is ${stats.size} bytes, over ${MAX_BUNDLE_BYTES}`,
        { file, fix },
      );
    }
    return await readFile(file);
  } catch (err) {
    if (err instanceof RemembrancerError) throw err;
    throw new RemembrancerError('FILE_NOT_FOUND', `cannot read the ${what}`, { file, fix });
  }
}

export async function run(options: VerifyProofOptions, io: IO): Promise<number> {
  const text = decodeUtf8(
    await readInput(options.file, 'bundle', 'pass the file `remembrancer prove` wrote'),
    options.file,
  );
  const bundle = parseJson(text, options.file);
  const trust: BundleTrust = {};
  if (options.trust.length > 0) {
    trust.keys = [];
    for (const file of options.trust) {
      trust.keys.push(
        await readPublicKey(
          (await readInput(file, 'key', 'pass an armoured public key')).toString('utf8'),
          file,
        ),
      );
    }
  }
  if (options.tsaRoot.length > 0) {
    trust.tsaRoots = [];
    for (const file of options.tsaRoot) {
      const pem = (
        await readInput(file, 'certificate', 'pass the TSA root certificate in PEM form')
      ).toString('utf8');
      if (!/-----BEGIN CERTIFICATE-----/.test(pem)) {
        throw new RemembrancerError('KEY_UNREADABLE', 'not a PEM certificate', {
          file,
          fix: 'pass the TSA root certificate in PEM form',
        });
      }
      trust.tsaRoots.push({ name: basename(file).replace(/\.pem$/, ''), path: file, pem });
    }
  }
  const verdict = await verifyBundle(bundle, trust);
  if (options.json) {
    io.json(verdict);
    return verdict.ok ? 0 : 1;
  }
  if (!verdict.ok) {
    io.out(`${io.c.red('✗ not proven')}: ${options.file}`);
    for (const f of verdict.failures) io.out(`  ${io.c.red(f.part)}: ${f.message}`);
    return 1;
  }
  const m = verdict.memory;
  const s = verdict.seal;
  io.out(`${io.c.green('✓ proven')}: ${m?.type} ${m?.id} — ${m?.summary}`);
  io.out(`  created   ${m?.created}`);
  const pinned =
    verdict.keysFrom === 'caller'
      ? ''
      : io.c.yellow(' (key from the bundle itself; pin it with --trust)');
  for (const sig of verdict.signatures.memory.filter((x) => x.state === 'valid')) {
    io.out(
      `  signed by ${sig.signer ?? sig.keyid} ${io.c.dim(sig.keyid)} at ${sig.created ?? '?'}${pinned}`,
    );
  }
  const anchored =
    verdict.tsaRootsFrom === 'caller'
      ? ''
      : io.c.yellow(' (TSA root from the bundle itself; pin it with --tsa-root)');
  for (const t of verdict.timestamps.memory)
    io.out(`  existed   by ${t.genTime} (timestamp by ${t.signer ?? t.tsa})${anchored}`);
  if (s) {
    io.out(`  included  as leaf ${s.leafIndex} of ${s.treeSize} in the Merkle root ${s.root}`);
    io.out(`  sealed    by seal ${s.id.slice(0, 12)} of ${s.created}`);
    for (const sig of verdict.signatures.seal.filter((x) => x.state === 'valid')) {
      io.out(`  seal signed by ${sig.signer ?? sig.keyid} ${io.c.dim(sig.keyid)}${pinned}`);
    }
    for (const t of verdict.timestamps.seal)
      io.out(`  seal existed by ${t.genTime} (timestamp by ${t.signer ?? t.tsa})${anchored}`);
  }
  return 0;
}
