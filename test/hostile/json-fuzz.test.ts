/**
 * Malformed and non-canonical JSON where a memory file belongs, in our working tree and in
 * a peer's commit: nesting 100,000 levels deep, duplicate keys (JSON.parse keeps the last,
 * so what is shown could differ from what a signature covers), a byte order mark, bytes
 * that are not UTF-8, lone surrogates, trailing garbage, NaN and Infinity, numbers that are
 * not in their RFC 8785 form, reformatted or reordered files, huge strings and keys,
 * __proto__ and constructor keys, empty files, a top level that is not an object, and valid
 * JSON of the wrong shape. The one reader (src/memory/envelope.ts) refuses each with one line
 * that names the file, the reason and the fix: `show` fails with it, `list`, `query`,
 * `timeline` and `verify` leave the file out and say so, the covenant counts it as an
 * integrity violation, and a sync rejects it by name and reason (exit 1) and writes nothing
 * of it. No verb crashes, and none changes anything of ours.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CovenantReport } from '../../src/policy/covenant.js';
import { serializeEnvelope, type Signed } from '../../src/memory/envelope.js';
import { memoryFiles, type Sandbox } from '../helpers/cli.js';
import { decisionSigned, idOf, memoryFile, signWith, type AnyEnvelope } from '../helpers/craft.js';
import { commitEntries, noCrash, syncInWords, syncRejecting } from '../helpers/hostile.js';
import { covenantHolds, decide, forkNode, makeNode, peer, type Node } from '../helpers/nodes.js';

let alpha: Node;
let beta: Node;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
});

const DEEP = 100_000;
const FIX_READ = 'restore the file from git (git checkout -- FILE) or fix the JSON syntax';
const FIX_UTF8 = 'restore the file from git (git checkout -- FILE)';
const FIX_BOM = 'remove the first 3 bytes, or restore the file from git (git checkout -- FILE)';
const FIX_DUPLICATE = 'remove the repeated key; a memory has each key once';
const FIX_ENVELOPE =
  'the memory was edited by hand or written by a broken tool; restore it from git';
const FIX_DECISION = 'the decision memory does not fit schemas/decision.json; restore it from git';
const fixCanonical = (file: string) =>
  `restore it with \`git checkout -- ${file}\`; memory files are never reformatted`;
const NOT_AN_OBJECT = (kind: string) =>
  `file holds ${kind}, not a memory (an object with "signed" and "signatures")`;

/** "line L column C" of an offset into a text, as the reader counts them. */
function at(text: string, offset: number): string {
  const lines = text.slice(0, offset).split('\n');
  return `line ${lines.length} column ${(lines[lines.length - 1] as string).length + 1}`;
}

/** The offset of the first character where two texts differ. */
function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/** A canonical file text with `find` replaced by `replace` (which must be there). */
function edit(text: string, find: string, replace: string): string {
  expect(text).toContain(find);
  return text.replace(find, replace);
}

interface Case {
  what: string;
  /** The good memory, when not a plain decision. */
  signed?: (decision: Signed<unknown>) => Signed<unknown>;
  /** The bytes written where the good memory belongs, from its canonical file text. */
  make: (good: string) => string | Buffer;
  /** The one-line reason, given the file's text and the good one's. */
  message: (bad: string, good: string) => string;
  fix: (file: string) => string;
}

const fixed = (text: string) => () => text;
const deepArrays = '['.repeat(DEEP) + ']'.repeat(DEEP);
const notCanonical = (bad: string, good: string) =>
  `file bytes differ from the canonical form of its content at ${at(bad, firstDifference(bad, good))} (reformatted or reordered)`;
/** Where the 65th bracket from the top is, when `prefix` opens `open` of them before it. */
const deepAt = (find: string, open: number) => (bad: string) =>
  `JSON nests deeper than 64 levels (${at(bad, bad.indexOf(find) + find.length + 64 - open)})`;

const CASES: Case[] = [
  // Nesting: refused by its depth before JSON.parse or anything recursive sees it.
  {
    what: `arrays nested ${DEEP} levels deep`,
    make: () => deepArrays,
    message: fixed('JSON nests deeper than 64 levels (line 1 column 65)'),
    fix: () => FIX_READ,
  },
  {
    what: `${DEEP} arrays opened and never closed`,
    make: () => '['.repeat(DEEP),
    message: fixed('JSON nests deeper than 64 levels (line 1 column 65)'),
    fix: () => FIX_READ,
  },
  {
    what: `objects nested ${DEEP} levels deep`,
    make: () => '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP),
    message: fixed(`JSON nests deeper than 64 levels (line 1 column ${64 * 5 + 1})`),
    fix: () => FIX_READ,
  },
  {
    what: `a lone surrogate at the bottom of ${DEEP} arrays`,
    make: () => '['.repeat(DEEP) + '"\\ud800"' + ']'.repeat(DEEP),
    message: fixed('JSON nests deeper than 64 levels (line 1 column 65)'),
    fix: () => FIX_READ,
  },
  {
    what: `arrays ${DEEP} levels deep inside a memory's body`,
    make: (good) => edit(good, '"tags": []', `"tags": [${deepArrays}]`),
    // envelope, signed, body, tags: three levels are open before the injected ones.
    message: deepAt('"tags": ', 3),
    fix: () => FIX_READ,
  },
  // Duplicate keys: JSON.parse would keep the last one silently.
  {
    what: 'a key given twice with the same value',
    make: (good) => edit(good, '      "text"', '      "tags": [],\n      "text"'),
    // The second "tags" is where "text" was.
    message: (_bad, good) => `duplicate key "tags" at line ${lineOf(good, good.indexOf('"text"'))}`,
    fix: () => FIX_DUPLICATE,
  },
  {
    what: 'a key given twice, the first shown by a lenient reader and the last signed',
    make: (good) => edit(good, '      "text"', '      "text": "Shown instead",\n      "text"'),
    message: (_bad, good) =>
      `duplicate key "text" at line ${lineOf(good, good.indexOf('"text"')) + 1}`,
    fix: () => FIX_DUPLICATE,
  },
  {
    what: 'a key given twice, once spelled with an escape',
    make: (good) =>
      edit(good, '      "text"', '      "te\\u0078t": "Shown instead",\n      "text"'),
    message: (_bad, good) =>
      `duplicate key "text" at line ${lineOf(good, good.indexOf('"text"')) + 1}`,
    fix: () => FIX_DUPLICATE,
  },
  {
    what: 'the envelope holding "signatures" twice',
    make: (good) => edit(good, '{\n  "signatures"', '{\n  "signatures": [],\n  "signatures"'),
    message: fixed('duplicate key "signatures" at line 3'),
    fix: () => FIX_DUPLICATE,
  },
  // Bytes that are not UTF-8 text of one JSON value.
  {
    what: 'a UTF-8 byte order mark',
    make: (good) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(good)]),
    message: fixed('file starts with a byte order mark (U+FEFF), which no JSON file here holds'),
    fix: () => FIX_BOM,
  },
  {
    what: 'a byte that is never UTF-8 (0xFF)',
    make: (good) => Buffer.from(edit(good, '"tags": []', '"tags": ["\u00ff"]'), 'latin1'),
    message: fixed('file is not valid UTF-8'),
    fix: () => FIX_UTF8,
  },
  {
    what: 'an overlong encoding of "/" (C0 AF)',
    make: (good) =>
      Buffer.concat([
        Buffer.from(good.slice(0, 1)),
        Buffer.from([0xc0, 0xaf]),
        Buffer.from(good.slice(1)),
      ]),
    message: fixed('file is not valid UTF-8'),
    fix: () => FIX_UTF8,
  },
  {
    what: 'a surrogate encoded as UTF-8 (ED A0 80)',
    make: (good) => Buffer.from(edit(good, '"tags": []', '"tags": ["\xed\xa0\x80"]'), 'latin1'),
    message: fixed('file is not valid UTF-8'),
    fix: () => FIX_UTF8,
  },
  {
    what: 'a lone surrogate written as an escape',
    make: (good) => edit(good, '"tags": []', '"tags": ["\\ud800"]'),
    message: fixed('string contains a lone UTF-16 surrogate'),
    fix: () => FIX_READ,
  },
  {
    what: 'trailing garbage after the JSON',
    make: (good) => good + 'x',
    message: (bad) => `malformed JSON at ${at(bad, bad.length - 1)}`,
    fix: () => FIX_READ,
  },
  {
    what: 'a second JSON value after the first',
    make: (good) => good + '{}\n',
    message: (bad) => `malformed JSON at ${at(bad, bad.length - 3)}`,
    fix: () => FIX_READ,
  },
  {
    what: 'NaN',
    make: (good) => edit(good, '"schema": 1', '"schema": NaN'),
    message: (bad) => `malformed JSON at ${at(bad, bad.indexOf('"schema": ') + 10)}`,
    fix: () => FIX_READ,
  },
  {
    what: '-Infinity',
    make: (good) => edit(good, '"schema": 1', '"schema": -Infinity'),
    // Where the number stops being one: the "I" after the minus sign.
    message: (bad) => `malformed JSON at ${at(bad, bad.indexOf('"schema": ') + 11)}`,
    fix: () => FIX_READ,
  },
  {
    what: 'an empty file',
    make: fixed(''),
    message: fixed('malformed JSON: the file is empty'),
    fix: () => FIX_READ,
  },
  {
    what: 'a file of white space',
    make: fixed(' \n\t\n'),
    message: fixed('malformed JSON: the file is empty'),
    fix: () => FIX_READ,
  },
  {
    what: 'a file cut short',
    make: (good) => good.slice(0, good.length / 2),
    message: fixed('malformed JSON: the file ends in the middle of a value'),
    fix: () => FIX_READ,
  },
  // Numbers and strings that are not in their one canonical form (RFC 8785): the id and
  // signatures cover the canonical bytes, so any other spelling of them is refused.
  {
    what: 'a number beyond 2^53 (it would be read as another number)',
    make: (good) => edit(good, '"schema": 1', '"schema": 9007199254740993'),
    message: fixed('signed.schema must be 1'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'the integer 1 written as 1.0',
    make: (good) => edit(good, '"schema": 1', '"schema": 1.0'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'the integer 1 written as 1e0',
    make: (good) => edit(good, '"schema": 1', '"schema": 1e0'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'zero written as -0',
    signed: (d) => {
      const sha256 = 'a'.repeat(64);
      return {
        ...d,
        type: 'deploy',
        subject: [{ name: 'api.tgz', digest: { sha256 } }],
        body: {
          component: 'api',
          version: '1.0.0',
          evidence: { path: 'api.tgz', sha256, size: 0 },
        },
      };
    },
    make: (good) => edit(good, '"size": 0', '"size": -0'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'a letter written as an escape',
    make: (good) => edit(good, '"type": "decision"', '"type": "d\\u0065cision"'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'the file minified',
    make: (good) => JSON.stringify(JSON.parse(good)),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'CRLF line ends',
    make: (good) => good.replace(/\n/g, '\r\n'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'four-space indentation',
    make: (good) => good.replace(/^( +)/gm, '$1$1'),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: 'no newline at the end',
    make: (good) => good.trimEnd(),
    message: notCanonical,
    fix: fixCanonical,
  },
  {
    what: '"signed" before "signatures"',
    make: (good) => {
      const value = JSON.parse(good) as AnyEnvelope;
      return JSON.stringify({ signed: value.signed, signatures: value.signatures }, null, 2) + '\n';
    },
    message: notCanonical,
    fix: fixCanonical,
  },
  // Valid JSON that is not a memory, or not one of its type.
  {
    what: 'a JSON array at the top level',
    make: fixed('[]\n'),
    message: fixed(NOT_AN_OBJECT('an array')),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'a JSON number at the top level',
    make: fixed('42\n'),
    message: fixed(NOT_AN_OBJECT('a number')),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'JSON null',
    make: fixed('null\n'),
    message: fixed(NOT_AN_OBJECT('null')),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'an empty object',
    make: fixed('{}\n'),
    message: fixed('envelope is missing the field "signed"'),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'signatures that are not a list',
    make: (good) =>
      edit(
        edit(good, '"signatures": [', '"signatures": {"x": ['),
        '\n  ],\n  "signed"',
        '\n  ]},\n  "signed"',
      ),
    message: fixed('envelope.signatures must be array'),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'a decision without its tags',
    make: (good) => edit(good, '      "tags": [],\n', ''),
    message: fixed('signed.body is missing the field "tags"'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a decision whose text is a number',
    make: (good) => good.replace(/"text": "[^"]*"/, '"text": 42'),
    message: fixed('signed.body.text must be string'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a string of 900,000 characters',
    make: (good) => good.replace(/"text": "[^"]*"/, `"text": "${'x'.repeat(900_000)}"`),
    message: fixed('signed.body.text must NOT have more than 20000 characters'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a key of 900,000 characters',
    make: (good) => edit(good, '"tags": []', `"${'k'.repeat(900_000)}": 1, "tags": []`),
    message: fixed(`signed.body has an unexpected field "${'k'.repeat(64)}…"`),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a key holding a newline and a forged error line',
    make: (good) => edit(good, '"tags": []', '"x\\nerror: forged\\u001b[0m": 1, "tags": []'),
    message: fixed('signed.body has an unexpected field "x\\x0aerror: forged\\x1b[0m"'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a "__proto__" key in the body',
    make: (good) => edit(good, '"tags": []', '"__proto__": {"isAdmin": true}, "tags": []'),
    message: fixed('signed.body has an unexpected field "__proto__"'),
    fix: () => FIX_DECISION,
  },
  {
    what: 'a "__proto__" key in the envelope',
    make: (good) =>
      edit(good, '{\n  "signatures"', '{\n  "__proto__": {"signed": {}},\n  "signatures"'),
    message: fixed('envelope has an unexpected field "__proto__"'),
    fix: () => FIX_ENVELOPE,
  },
  {
    what: 'a "constructor" key beside the fields every memory has',
    make: (good) =>
      edit(good, '    "created"', '    "constructor": {"prototype": {}},\n    "created"'),
    message: fixed('signed has an unexpected field "constructor"'),
    fix: () => FIX_DECISION,
  },
];

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

interface Crafted {
  what: string;
  id: string;
  file: string;
  bytes: Buffer;
  line: string;
}

/** Each case as a file where a memory signed by `key` for `node` belongs. */
async function craft(node: Node, speaksFor: string): Promise<Crafted[]> {
  const out: Crafted[] = [];
  for (const [i, c] of CASES.entries()) {
    const decision = decisionSigned(`Case ${i}: ${c.what}`, { key: node.key, node: speaksFor });
    const signed = c.signed?.(decision) ?? decision;
    const envelope: AnyEnvelope = { signed, signatures: [await signWith(signed, node.key)] };
    const good = serializeEnvelope(envelope);
    const id = idOf(envelope.signed);
    const file = memoryFile(id);
    const made = c.make(good);
    const bytes = Buffer.isBuffer(made) ? made : Buffer.from(made, 'utf8');
    const line = `${file}: ${c.message(bytes.toString('utf8'), good)} (fix: ${c.fix(file)})`;
    out.push({ what: c.what, id, file, bytes, line });
  }
  return out;
}

/** The message of a line, without the file and the fix: what a receipt keeps as the reason. */
function reasonOf(crafted: Crafted): string {
  const rest = crafted.line.slice(crafted.file.length + 2);
  return rest.slice(0, rest.lastIndexOf(' (fix: '));
}

describe('in our working tree', () => {
  let a: Node;
  let crafted: Crafted[];
  beforeAll(async () => {
    a = forkNode(alpha);
    await decide(a, 'A good memory of ours');
    crafted = await craft(a, 'alpha');
  });

  it('has one distinct memory file per case', () => {
    expect(new Set(crafted.map((c) => c.file)).size).toBe(CASES.length);
  });

  it.each(CASES.map((c, i) => [c.what, i] as const))(
    '%s: show fails with one line naming the file and the reason',
    async (_what, i) => {
      const c = crafted[i] as Crafted;
      a.s.write(c.file, c.bytes);
      try {
        const before = await a.s.state();
        const show = await a.s.run(['show', c.id]);
        noCrash(show);
        expect([show.code, show.stderr, show.stdout]).toEqual([2, `error: ${c.line}\n`, '']);
        expect(await a.s.state()).toBe(before);
        expect(Buffer.compare(readBack(a.s, c.file), c.bytes)).toBe(0);
      } finally {
        await a.s.git(['clean', '-fq', '.remembrancer/memories']);
      }
    },
  );

  it('list leaves each out with the same line, five at a time (as many as it names)', async () => {
    for (let from = 0; from < crafted.length; from += 5) {
      const some = crafted.slice(from, from + 5);
      for (const c of some) a.s.write(c.file, c.bytes);
      try {
        const before = await a.s.state();
        const list = await a.s.run(['list']);
        noCrash(list);
        const lines = [...some]
          .sort((x, y) => (x.file < y.file ? -1 : 1))
          .map((c) => `warning: left out ${c.line}`);
        expect([list.code, list.stderr.trimEnd().split('\n')]).toEqual([0, lines]);
        expect(list.stdout).toContain('A good memory of ours');
        for (const c of some) expect(list.stdout).not.toContain(c.id.slice(0, 12));
        expect(await a.s.state()).toBe(before);
      } finally {
        await a.s.git(['clean', '-fq', '.remembrancer/memories']);
      }
    }
  });

  it('all at once: the covenant names each file with its reason; query, timeline and verify leave them out', async () => {
    for (const c of crafted) a.s.write(c.file, c.bytes);
    const before = await a.s.state();

    const covenant = await a.s.run(['covenant', '--json']);
    noCrash(covenant);
    expect(covenant.code).toBe(1);
    const report = JSON.parse(covenant.stdout) as CovenantReport;
    const integrity = report.violations
      .filter((v) => v.rule === 'integrity')
      .map((v) => `${v.file}: ${v.message} (fix: ${v.fix})`);
    expect(integrity.sort()).toEqual(crafted.map((c) => c.line).sort());
    // None of them is counted: the root is over our one good memory.
    expect(report.memories).toBe(1);

    const named = [...crafted].sort((x, y) => (x.file < y.file ? -1 : 1)).slice(0, 5);
    const warnings = [
      ...named.map((c) => `warning: left out ${c.line}`),
      `warning: ${crafted.length - 5} more invalid memory file(s) left out; run \`remembrancer covenant\` for details`,
    ];
    for (const args of [['query', 'good'], ['timeline'], ['list', '--json']]) {
      const r = await a.s.run(args);
      noCrash(r, args.join(' '));
      expect([r.code, r.stderr.trimEnd().split('\n')], args.join(' ')).toEqual([0, warnings]);
      for (const c of crafted) expect(r.stdout).not.toContain(c.id.slice(0, 12));
    }
    const verify = await a.s.run(['verify', `sha256:${'5'.repeat(64)}`]);
    noCrash(verify);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`no receipt names sha256 ${'5'.repeat(64)}`);
    expect(verify.stderr.trimEnd().split('\n')).toEqual(warnings);

    expect(await a.s.state()).toBe(before);
    for (const c of crafted) expect(Buffer.compare(readBack(a.s, c.file), c.bytes)).toBe(0);
  });
});

function readBack(s: Sandbox, file: string): Buffer {
  return readFileSync(join(s.repo, file));
}

describe("in a peer's commit", () => {
  let a: Node;
  let b: Node;
  let crafted: Crafted[];
  let good: string;
  beforeAll(async () => {
    a = forkNode(alpha);
    b = forkNode(beta);
    good = await decide(b, 'A legitimate decision');
    crafted = await craft(b, 'beta');
    const byShard = new Map<string, Crafted[]>();
    for (const c of crafted) {
      const shard = c.id.slice(0, 2);
      byShard.set(shard, [...(byShard.get(shard) ?? []), c]);
    }
    for (const [shard, files] of byShard) {
      commitEntries(
        b.s,
        `.remembrancer/memories/${shard}`,
        files.map((c) => ({ name: `${c.id}.json`, content: c.bytes })),
      );
    }
    await peer(a, b);
  });

  const rejections = () =>
    crafted
      .map((c) => ({ path: c.file.slice('.remembrancer/'.length), id: c.id, reason: reasonOf(c) }))
      .sort((x, y) => (x.path < y.path ? -1 : 1));

  it('a dry run rejects each by name and reason, exits 1 and writes nothing', async () => {
    const before = await a.s.state();
    const out = await syncRejecting(a, 'beta', ['--dry-run']);
    expect(out.accepted).toEqual([good]);
    expect(out.rejected).toEqual(rejections());
    expect(await a.s.state()).toBe(before);
  });

  it('a sync takes the good memory, rejects the rest with their reasons, and writes none of them', async () => {
    const words = await syncInWords(forkNode(a), 'beta');
    expect(words.code).toBe(1);
    for (const r of rejections()) {
      expect(words.stdout).toContain(`  rejected ${r.path}: ${r.reason}\n`);
    }
    expect(words.stderr).toContain(
      `${crafted.length} memories were rejected (reasons above); nothing rejected was written`,
    );

    const out = await syncRejecting(a, 'beta');
    expect(out.accepted).toEqual([good]);
    expect(out.rejected).toEqual(rejections());
    const ours = await memoryFiles(a.s);
    for (const c of crafted) expect(ours).not.toContain(c.file);
    expect(ours).toContain(memoryFile(good));
    expect(await a.s.git(['status', '--porcelain'])).toBe('');
    await covenantHolds(a);
  });
});

describe('our own cache under .git, damaged into valid JSON of the wrong shape', () => {
  const damaged: [string, string][] = [
    ['a row that is null', '{"version":3,"written":0,"dirs":{},"rows":[null]}'],
    ['a row whose id is null', '{"version":3,"written":0,"dirs":{},"rows":[[null]]}'],
    ['rows that are a string', '{"version":3,"written":0,"dirs":{},"rows":"x"}'],
    ['folder stamps that are not stamps', '{"version":3,"written":0,"dirs":{"ab":"x"},"rows":[]}'],
    [
      'a seal row without its body',
      `{"version":3,"written":0,"dirs":{},"rows":[["${'a'.repeat(64)}",[1,2,3,4],"seal","x","y",null]]}`,
    ],
    ['arrays nested 100,000 deep', deepArrays],
  ];
  let a: Node;
  let expected: string;
  beforeAll(async () => {
    a = forkNode(alpha);
    await decide(a, 'A memory the catalog lists');
    const r = await a.s.run(['root', '--at', 'HEAD']);
    expect(r.code).toBe(0);
    expected = r.stdout;
  });
  it.each(damaged)(
    '%s: the catalog is rebuilt and root --at answers as before',
    async (_what, text) => {
      a.s.write('.git/remembrancer/catalog-v3.json', text);
      const before = await a.s.state();
      const r = await a.s.run(['root', '--at', 'HEAD']);
      noCrash(r);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, expected, '']);
      expect(await a.s.state()).toBe(before);
    },
  );
});
