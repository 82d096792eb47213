/**
 * A peer sends objects too large to hold, or whose headers lie about their size: a memory
 * file of tens of megabytes (loose, packed, or a delta whose result is over the limit), a
 * few kilobytes that inflate to tens of megabytes, and packs served over http that state
 * sizes over the limit. Each is judged from the object's header before anything is
 * inflated: an oversized memory file is rejected by name and size while the peer's good
 * memory comes through, an object whose data is not what its header states stops the fetch
 * with one line, and nothing of ours changes. (Time and memory are measured by
 * bench/oversized-blob.ts, never asserted here.)
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { memoryFile } from '../helpers/craft.js';
import { GitHttpServer } from '../helpers/git-server.js';
import {
  covenantHolds,
  decide,
  forkNode,
  gitIn,
  makeNode,
  peer,
  sync,
  type Node,
} from '../helpers/nodes.js';

const track = sandboxTracker();
const MEMORY_LIMIT = 1024 * 1024;
const MiB = 1024 * 1024;
/** Where the peer puts what is not a memory: a name a memory file could have. */
const BIG = 'cd' + '1'.repeat(62);

let alpha: Node;
let beta: Node;
let tools: string;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
  tools = track(new Sandbox()).dir;
});

/** Our node and a peer with one good memory; `a` already knows `b`. */
async function pair(): Promise<{ a: Node; b: Node; good: string }> {
  const a = forkNode(alpha);
  const b = forkNode(beta);
  const good = await decide(b, 'A legitimate decision');
  await peer(a, b);
  return { a, b, good };
}

/** Writes `bytes` of one repeated character: megabytes on disk as a few kilobytes in git. */
function writeFilled(path: string, bytes: number, char = '0'): void {
  const fd = openSync(path, 'w');
  try {
    const chunk = Buffer.alloc(4 * MiB, char);
    for (let done = 0; done < bytes; done += chunk.length) {
      writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - done));
    }
  } finally {
    closeSync(fd);
  }
}

/** Commits a file of `bytes` where memory BIG belongs in the peer's repository. */
function commitBig(b: Node, bytes: number, char = '0'): void {
  mkdirSync(join(b.s.repo, '.remembrancer/memories', BIG.slice(0, 2)), { recursive: true });
  writeFilled(join(b.s.repo, memoryFile(BIG)), bytes, char);
  gitIn(b, ['add', '-A']);
  gitIn(b, ['commit', '-q', '-m', `a ${bytes}-byte file where a memory belongs`]);
}

/** Every file of our object store and every ref: what a refused fetch must leave as it was. */
function storeState(node: Node): string {
  const objects = join(node.s.repo, '.git', 'objects');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(`${relative(objects, path)} ${statSync(path).size}`);
    }
  };
  walk(objects);
  return `${files.sort().join('\n')}\n--\n${gitIn(node, ['for-each-ref'])}`;
}

/** The sync took the good memory, rejected BIG with `reason`, and our store is whole. */
async function expectBigRejected(a: Node, good: string, reason: string): Promise<void> {
  const out = await sync(a, 'beta');
  expect(out.accepted).toEqual([good]);
  expect(out.rejected).toEqual([{ path: `memories/cd/${BIG}.json`, id: BIG, reason }]);
  expect(gitIn(a, ['ls-files', '.remembrancer/memories'])).not.toContain(BIG);
  expect(gitIn(a, ['status', '--porcelain'])).toBe('');
  // Every object copied in is sound and named by its content.
  gitIn(a, ['fsck', '--strict', '--no-dangling']);
  await covenantHolds(a);
}

/** The sync refused the peer with one line matching `message`, and nothing of ours changed. */
async function expectRefused(a: Node, message: RegExp): Promise<void> {
  const before = await a.s.state();
  const store = storeState(a);
  const r = await a.s.run(['federation', 'sync', 'beta']);
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr.trim().split('\n')[0]).toMatch(message);
  expect(await a.s.state()).toBe(before);
  expect(storeState(a)).toBe(store);
  expect(gitIn(a, ['ls-files', '.remembrancer/memories'])).not.toContain(BIG);
}

describe('an oversized memory file from a peer is rejected from its header', () => {
  it('a loose blob larger than any object read whole is copied as a stream and rejected', async () => {
    const { a, b, good } = await pair();
    commitBig(b, 70 * MiB);
    await expectBigRejected(
      a,
      good,
      `${70 * MiB} bytes, over the ${MEMORY_LIMIT}-byte limit of a memory`,
    );
  });

  it('a blob packed by git gc is copied as the pack holds it and rejected', async () => {
    const { a, b, good } = await pair();
    commitBig(b, 3 * MiB);
    gitIn(b, ['gc', '-q']);
    await expectBigRejected(
      a,
      good,
      `${3 * MiB} bytes, over the ${MEMORY_LIMIT}-byte limit of a memory`,
    );
  });

  it('a delta is rejected by the size its own header says it rebuilds, not applied', async () => {
    const { a, b, good } = await pair();
    // git keeps the larger version whole and the smaller as a delta against it.
    commitBig(b, 3 * MiB, 'x');
    commitBig(b, 2 * MiB, 'x');
    gitIn(b, ['gc', '-q']);
    const blob = gitIn(b, ['rev-parse', `HEAD:${memoryFile(BIG)}`]);
    const pack = readdirSync(join(b.s.repo, '.git/objects/pack')).find((n) => n.endsWith('.idx'));
    const listing = gitIn(b, [
      'verify-pack',
      '-v',
      join(b.s.repo, '.git/objects/pack', pack as string),
    ]);
    expect(listing.split('\n').find((l) => l.startsWith(blob))).toMatch(/ 1 [0-9a-f]{40}$/);
    await expectBigRejected(
      a,
      good,
      `${2 * MiB} bytes, over the ${MEMORY_LIMIT}-byte limit of a memory`,
    );
  });
});

/** A loose object as git writes one, but whose header states `stated` bytes. */
function writeLyingLoose(b: Node, stated: number, content: Buffer): string {
  const oid = createHash('sha1')
    .update(`blob ${stated}\0`)
    .update(content.subarray(0, stated))
    .digest('hex');
  const dir = join(b.s.repo, '.git/objects', oid.slice(0, 2));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, oid.slice(2)),
    deflateSync(Buffer.concat([Buffer.from(`blob ${stated}\0`), content])),
  );
  return oid;
}

/** Commits a tree that puts `oid` where memory BIG belongs, with git's plumbing. */
function commitBlobAsMemory(b: Node, oid: string): void {
  const shard = gitIn(b, ['mktree'], `100644 blob ${oid}\t${BIG}.json\n`);
  const memories = gitIn(b, ['ls-tree', 'HEAD:.remembrancer/memories']).split('\n');
  memories.push(`040000 tree ${shard}\tcd`);
  const memTree = gitIn(b, ['mktree'], memories.join('\n') + '\n');
  const rem = gitIn(b, ['ls-tree', 'HEAD:.remembrancer'])
    .split('\n')
    .map((l) => (l.endsWith('\tmemories') ? `040000 tree ${memTree}\tmemories` : l));
  const remTree = gitIn(b, ['mktree'], rem.join('\n') + '\n');
  const top = gitIn(b, ['ls-tree', 'HEAD'])
    .split('\n')
    .map((l) => (l.endsWith('\t.remembrancer') ? `040000 tree ${remTree}\t.remembrancer` : l));
  const tree = gitIn(b, ['mktree'], top.join('\n') + '\n');
  const commit = gitIn(b, ['commit-tree', tree, '-p', 'HEAD', '-m', 'a lying object']);
  gitIn(b, ['update-ref', 'refs/heads/main', commit]);
}

describe('an object whose header lies about its size', () => {
  it('a loose deflate bomb (100 bytes stated, 40 MiB inside) stops the fetch, nothing changes', async () => {
    const { a, b } = await pair();
    const oid = writeLyingLoose(b, 100, Buffer.alloc(40 * MiB, '0'));
    commitBlobAsMemory(b, oid);
    await expectRefused(
      a,
      new RegExp(
        `^error: cannot fetch peer "beta" at .*: loose blob ${oid} inflates to more than the 100 bytes its header states`,
      ),
    );
  });

  it('a packed entry whose header understates its size stops the fetch, nothing changes', async () => {
    const { a, b } = await pair();
    commitBig(b, 40 * MiB);
    gitIn(b, ['gc', '-q']);
    const blob = gitIn(b, ['rev-parse', `HEAD:${memoryFile(BIG)}`]);
    const dir = join(b.s.repo, '.git/objects/pack');
    const idx = readdirSync(dir).find((n) => n.endsWith('.idx')) as string;
    const listing = gitIn(b, ['verify-pack', '-v', join(dir, idx)]);
    const offset = Number(
      listing
        .split('\n')
        .find((l) => l.startsWith(blob))
        ?.split(/\s+/)[4],
    );
    // The entry's size is a varint after the type: state 10 bytes in as many header bytes.
    const packFile = join(dir, idx.replace(/\.idx$/, '.pack'));
    const pack = readFileSync(packFile);
    let length = 1;
    while ((pack[offset + length - 1] as number) & 0x80) length++;
    pack[offset] = 0x80 | (3 << 4) | 10;
    for (let i = 1; i < length; i++) pack[offset + i] = i === length - 1 ? 0 : 0x80;
    writeFileSync(packFile, pack);
    await expectRefused(
      a,
      new RegExp(
        `^error: cannot fetch peer "beta" at .*: blob ${blob} in .* inflates to more than the 10 bytes its header states`,
      ),
    );
  });
});

/** A pkt-line of git's protocol. */
function pkt(data: Buffer | string): Buffer {
  const body = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0')), body]);
}

/** A pack of the given entries (each: type code, stated size, raw data to deflate or use). */
function craftPack(entries: { code: number; size: number; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)];
  parts[2]?.writeUInt32BE(entries.length);
  for (const { code, size, data } of entries) {
    const head: number[] = [];
    let byte = (code << 4) | (size & 0x0f);
    let rest = Math.floor(size / 16);
    while (rest > 0) {
      head.push(byte | 0x80);
      byte = rest & 0x7f;
      rest = Math.floor(rest / 128);
    }
    head.push(byte);
    parts.push(Buffer.from(head), data);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/**
 * A server speaking git's smart http protocol that advertises one branch and answers every
 * fetch with the pack it is given, in side band 1 as git's server does.
 */
async function craftedServer(pack: Buffer): Promise<{ url: string; server: Server }> {
  const tip = 'ab'.repeat(20);
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.includes('/info/refs')) {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      res.end(
        Buffer.concat([
          pkt('# service=git-upload-pack\n'),
          Buffer.from('0000'),
          pkt(`${tip} refs/heads/main\0side-band-64k ofs-delta agent=crafted\n`),
          Buffer.from('0000'),
        ]),
      );
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
      const out = [pkt('NAK\n')];
      for (let at = 0; at < pack.length; at += 65515) {
        out.push(pkt(Buffer.concat([Buffer.from([1]), pack.subarray(at, at + 65515)])));
      }
      out.push(Buffer.from('0000'));
      res.end(Buffer.concat(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/beta.git`, server };
}

describe('a pack over http is checked before it is inflated', () => {
  let served: GitHttpServer;
  let root: string;
  beforeAll(async () => {
    root = join(tools, 'served');
    mkdirSync(root, { recursive: true });
    served = await new GitHttpServer({ root }).start();
  });
  afterAll(async () => {
    await served?.stop();
  });

  it('a real git server sending a blob over the limit: refused at its header', async () => {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    commitBig(b, 70 * MiB);
    gitIn(b, ['clone', '-q', '--bare', b.s.repo, join(root, 'big.git')]);
    await peer(a, b, [], served.url('big.git'));
    await expectRefused(
      a,
      /^error: cannot fetch peer "beta" at http:\/\/127\.0\.0\.1:\d+\/big\.git: the pack's blob at \d+ is 73400320 bytes \(70 MiB\), over the 67108864 bytes \(64 MiB\) limit of an object fetched over http; fetch this peer over ssh or a path on this machine/,
    );
  });

  const crafted: [string, () => Buffer, RegExp][] = [
    [
      'a deflate bomb (10 bytes stated, 40 MiB inside)',
      () => craftPack([{ code: 3, size: 10, data: deflateSync(Buffer.alloc(40 * MiB)) }]),
      /the pack's blob at 12 inflates to more than the 10 bytes its header states/,
    ],
    [
      'a blob whose header states 2 GiB',
      () => craftPack([{ code: 3, size: 2 * 1024 * MiB, data: deflateSync(Buffer.alloc(16)) }]),
      /the pack's blob at 12 is 2147483648 bytes \(2048 MiB\), over the 67108864 bytes \(64 MiB\) limit/,
    ],
    [
      'a delta that says it rebuilds 1 GiB',
      () => {
        // A ref-delta: the base's name, then the delta: base size 5, result size 1 GiB.
        const delta = Buffer.from([5, 0x80, 0x80, 0x80, 0x80, 0x04, 1, 0x61]);
        const data = Buffer.concat([Buffer.alloc(20, 0xab), deflateSync(delta)]);
        return craftPack([{ code: 7, size: delta.length, data }]);
      },
      /the pack's ref-delta at 12 is 1073741824 bytes \(1024 MiB\), over the 67108864 bytes \(64 MiB\) limit/,
    ],
    [
      'a pack whose checksum is wrong',
      () => {
        const pack = craftPack([{ code: 3, size: 2, data: deflateSync(Buffer.from('hi')) }]);
        pack[pack.length - 1] = (pack[pack.length - 1] as number) ^ 0xff;
        return pack;
      },
      /the pack does not end with its checksum/,
    ],
  ];
  for (const [what, make, message] of crafted) {
    it(`${what}: refused with one line, nothing changes`, async () => {
      const a = forkNode(alpha);
      const { url, server } = await craftedServer(make());
      try {
        await peer(a, beta, [], url);
        await expectRefused(
          a,
          new RegExp(
            `^error: cannot fetch peer "beta" at ${url.replace(/[.]/g, '\\.')}: ${message.source}`,
          ),
        );
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }
});
