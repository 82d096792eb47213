// What the strict reader costs: decodeMemory (size, UTF-8, the depth and duplicate-key scan,
// JSON.parse, schema, id, canonical bytes) over 10,000 signed memories, this source side by
// side with an older build in the same process, interleaved, so both see the same machine.
// A benchmark: it reports, it does not fail.
//
// Beside them, the same depth and duplicate-key checks made with a library (jsonc-parser's
// visitor) before JSON.parse, against our scan: docs/dependencies.md says why we keep ours.
//
// Usage: node scripts/run-ts.mjs bench/decode.ts [--old path/to/dist/lib.js]
// The default older build is bench/.work/decode-old/lib.js (git-ignored): `npm run build` on
// the commit to compare with, then copy its dist/ there. Without one, only this source runs.
import { existsSync } from 'node:fs';
import { visit } from 'jsonc-parser';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MAX_JSON_DEPTH, parseJson } from '../src/ground/canonical-json.js';
import { decodeMemory, serializeEnvelope } from '../src/memory/envelope.js';
import { buildDecision, buildDeploy, type Origin } from '../src/memory/memory-types.js';
import { signMemory } from '../src/record/record.js';
import { armoredKeySigner } from '../src/crypto/signer.js';
import { generateKeyPair } from '../src/crypto/openpgp.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const OLD = args.includes('--old')
  ? (args[args.indexOf('--old') + 1] as string)
  : join(ROOT, 'bench', '.work', 'decode-old', 'lib.js');
const COUNT = 10_000;
const REPEAT = 9;

type Decode = (path: string, bytes: Uint8Array) => unknown;
type Parse = (text: string) => unknown;

async function memories(): Promise<{ path: string; bytes: Uint8Array }[]> {
  const pair = await generateKeyPair({ name: 'Bench', email: 'bench@example.com' });
  const signer = await armoredKeySigner(pair.privateArmored, 'bench', 'bench', { env: {} });
  const out: { path: string; bytes: Uint8Array }[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < COUNT; i++) {
    const origin: Origin = {
      node: 'bench',
      author: { name: 'Bench', email: 'bench@example.com', key: signer.fingerprint },
      created: new Date(Date.UTC(2026, 0, 1) + i * 60_000),
    };
    const signed =
      i % 3 === 0
        ? buildDeploy(
            origin,
            { component: `svc-${i % 40}`, version: `1.${i}.0`, environment: 'production' },
            (i.toString(16) + 'a'.repeat(64)).slice(0, 64),
          )
        : buildDecision(
            origin,
            `Decision ${i}: adopt option ${i % 7} for subsystem ${i % 50}.\n\n` +
              'We weighed the alternatives and chose the one that keeps the rollback short. '.repeat(
                1 + (i % 4),
              ),
            [`area-${i % 9}`, 'architecture'],
          );
    const memory = await signMemory(signed, signer);
    out.push({ path: memory.path, bytes: encoder.encode(serializeEnvelope(memory.envelope)) });
  }
  return out;
}

/**
 * What parseJson checks before JSON.parse, with jsonc-parser: nesting past MAX_JSON_DEPTH
 * and the first key an object holds twice. Throws as parseJson would refuse.
 */
function libraryParse(text: string): unknown {
  const open: (Set<string> | null)[] = [];
  let problem: string | undefined;
  const enter = (keys: Set<string> | null) => {
    open.push(keys);
    if (open.length > MAX_JSON_DEPTH) problem ??= 'too deep';
  };
  visit(
    text,
    {
      onObjectBegin: () => enter(new Set()),
      onArrayBegin: () => enter(null),
      onObjectEnd: () => void open.pop(),
      onArrayEnd: () => void open.pop(),
      onObjectProperty: (name) => {
        const keys = open[open.length - 1];
        if (keys?.has(name)) problem ??= `duplicate key ${name}`;
        keys?.add(name);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  if (problem) throw new Error(problem);
  return JSON.parse(text);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeOnce(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const files = await memories();
const texts = files.map((f) => new TextDecoder().decode(f.bytes));
const readers: { name: string; decode: Decode; parse: Parse }[] = [
  { name: 'this source', decode: decodeMemory, parse: (t) => parseJson(t) },
];
if (existsSync(OLD)) {
  const old = (await import(pathToFileURL(OLD).href)) as { decodeMemory: Decode; parseJson: Parse };
  readers.push({ name: `older build (${OLD})`, decode: old.decodeMemory, parse: old.parseJson });
} else {
  console.log(`no older build at ${OLD}: measuring this source only`);
}

const libraryTimes: number[] = [];
const decodeTimes = readers.map(() => [] as number[]);
const parseTimes = readers.map(() => [] as number[]);
const plain: number[] = [];
for (let round = 0; round < REPEAT + 1; round++) {
  readers.forEach((r, i) => {
    const d = timeOnce(() => {
      for (const f of files) r.decode(f.path, f.bytes);
    });
    const p = timeOnce(() => {
      for (const t of texts) r.parse(t);
    });
    // The first round warms the JIT and is not counted.
    if (round > 0) {
      decodeTimes[i]?.push(d);
      parseTimes[i]?.push(p);
    }
  });
  const j = timeOnce(() => {
    for (const t of texts) JSON.parse(t);
  });
  const l = timeOnce(() => {
    for (const t of texts) libraryParse(t);
  });
  if (round > 0) {
    plain.push(j);
    libraryTimes.push(l);
  }
}

const bytes = files.reduce((n, f) => n + f.bytes.length, 0);
console.log(
  `${COUNT} memories, ${(bytes / 1024 / 1024).toFixed(1)} MiB, median of ${REPEAT} runs, node ${process.version}`,
);
console.log(`JSON.parse alone: ${median(plain).toFixed(1)} ms`);
readers.forEach((r, i) => {
  console.log(
    `${r.name}: decodeMemory ${median(decodeTimes[i] ?? []).toFixed(1)} ms, parseJson ${median(parseTimes[i] ?? []).toFixed(1)} ms`,
  );
});
console.log(
  `jsonc-parser visitor + JSON.parse: ${median(libraryTimes).toFixed(1)} ms; this source's parseJson / it: ${(median(parseTimes[0] ?? []) / median(libraryTimes)).toFixed(2)}×`,
);
const deep = '['.repeat(100_000) + ']'.repeat(100_000);
for (const [name, parse] of [
  ['this source', (t: string) => parseJson(t)],
  ['jsonc-parser', libraryParse],
] as const) {
  try {
    parse(deep);
    console.log(`${name} on 100,000 nested arrays: read`);
  } catch (err) {
    console.log(`${name} on 100,000 nested arrays: ${(err as Error).message.split('\n')[0]}`);
  }
}
if (readers.length === 2) {
  const ratio = median(decodeTimes[0] ?? []) / median(decodeTimes[1] ?? []);
  const parseRatio = median(parseTimes[0] ?? []) / median(parseTimes[1] ?? []);
  console.log(
    `this source / older build: decodeMemory ${ratio.toFixed(2)}×, parseJson ${parseRatio.toFixed(2)}×`,
  );
}
