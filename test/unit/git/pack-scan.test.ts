/**
 * SideBand and PackScanner, what checks a pack a peer's HTTP server sends, fed the real
 * answer of `git upload-pack` (side band, progress and pack) in chunks of every size: a
 * sound pack passes, and a pack cut short, with a wrong checksum, extra bytes, a corrupt
 * entry or an object over the limit is refused with its reason.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PackRefusedError, PackScanner, SideBand } from '../../../src/git/pack-scan.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

let repo: GitRepo | undefined;
/** A history with a 60 KB file changed line by line: its pack holds deltas (made once). */
function history(): GitRepo {
  if (repo) return repo;
  const r = newRepo();
  const lines = Array.from({ length: 1500 }, (_, i) => `${i} ${randomBytes(16).toString('hex')}`);
  for (let i = 0; i < 3; i++) {
    lines[i * 10] = `edit ${i}`;
    r.commit(`c${i}`, { 'big.txt': lines.join('\n'), 'small.txt': `small ${i}\n` });
  }
  return (repo = r);
}

function pktLine(text: string): string {
  return (text.length + 4).toString(16).padStart(4, '0') + text;
}

/** What `git upload-pack` answers a client that wants HEAD with side-band-64k. */
function uploadPack(r: GitRepo): Buffer {
  const head = r.git(['rev-parse', 'HEAD']);
  const request = `${pktLine(`want ${head} side-band-64k ofs-delta\n`)}0000${pktLine('done\n')}`;
  return r.gitBytes(['upload-pack', '--stateless-rpc', r.gitdir], request);
}

/** The pack in an upload-pack answer, as SideBand hands it on. */
function packOf(response: Buffer, chunk = response.length): { pack: Buffer; band: SideBand } {
  const parts: Buffer[] = [];
  const band = new SideBand((data) => parts.push(Buffer.from(data)));
  for (let at = 0; at < response.length; at += chunk) band.push(response.subarray(at, at + chunk));
  return { pack: Buffer.concat(parts), band };
}

function scan(pack: Buffer, chunk = pack.length, limit?: number): void {
  const scanner = new PackScanner(limit);
  for (let at = 0; at < pack.length; at += chunk) scanner.push(pack.subarray(at, at + chunk));
  scanner.end();
}

function refusal(run: () => void): PackRefusedError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PackRefusedError);
    return err as PackRefusedError;
  }
  throw new Error('the pack was accepted');
}

/** Verify-pack's view of a pack: the objects git reads from it. */
function gitIndexes(r: GitRepo, pack: Buffer): string[] {
  return r
    .git(['index-pack', '--stdin', '--strict'], pack)
    .split('\n')
    .filter((l) => l.startsWith('pack'));
}

describe('SideBand', () => {
  it('hands on exactly the pack of a real upload-pack answer, whatever the chunks', () => {
    const response = uploadPack(history());
    const whole = packOf(response);
    expect(whole.band.sawPack).toBe(true);
    expect(whole.band.complete).toBe(true);
    expect(whole.pack.subarray(0, 4).toString()).toBe('PACK');
    // git itself reads the same bytes as a pack.
    expect(gitIndexes(newRepo(), whole.pack)).toHaveLength(1);
    for (const chunk of [5, 1000, 65539]) {
      expect(packOf(response, chunk).pack.equals(whole.pack), `chunks of ${chunk}`).toBe(true);
    }
  });

  it('stops at a side band 3 message (the server’s error) and at what is no pkt-line', () => {
    const pack = Buffer.from('PACKdata');
    for (const tail of [`${pktLine('\x03fatal: no such ref')}`, 'not a pkt-line']) {
      const got: Buffer[] = [];
      const band = new SideBand((d) => got.push(d));
      band.push(Buffer.from(pktLine('\x01' + pack.toString('latin1')) + tail));
      band.push(Buffer.from(pktLine('\x01more pack after the stop')));
      expect(Buffer.concat(got).toString()).toBe('PACKdata');
      expect(band.complete).toBe(false);
    }
  });
});

describe('PackScanner', () => {
  const pack = () => packOf(uploadPack(history())).pack;

  it('accepts a sound pack with deltas, pushed whole or a few bytes at a time', () => {
    const p = pack();
    for (const chunk of [p.length, 4096, 97, 13]) expect(() => scan(p, chunk)).not.toThrow();
  });

  it('refuses a pack cut short, at any length', () => {
    const p = pack();
    for (const length of [0, 11, 12, 40, p.length >> 1, p.length - 20, p.length - 1]) {
      expect(refusal(() => scan(p.subarray(0, length))).message, `${length} bytes`).toBe(
        'the pack is cut short',
      );
    }
  });

  it('refuses a pack whose checksum is wrong, or that has bytes after it', () => {
    const p = pack();
    const wrong = Buffer.from(p);
    wrong[wrong.length - 1] ^= 0xff;
    expect(refusal(() => scan(wrong)).message).toBe('the pack does not end with its checksum');
    expect(refusal(() => scan(Buffer.concat([p, Buffer.from('extra')]))).message).toBe(
      'the server sent more after the pack',
    );
  });

  it('refuses what is no pack, or a pack version git does not write', () => {
    expect(refusal(() => scan(Buffer.from('<html>login</html>'))).message).toBe(
      'the server sent no pack',
    );
    const v9 = Buffer.from(pack());
    v9.writeUInt32BE(9, 4);
    expect(refusal(() => scan(v9)).message).toBe('pack version 9 is unknown');
  });

  it('refuses an entry whose deflated data is damaged', () => {
    const p = Buffer.from(pack());
    // A byte in the first entry's zlib data (after the 12-byte header and its own header).
    p[20] ^= 0x55;
    expect(refusal(() => scan(p)).message).toMatch(/corrupt|inflates to|checksum/);
  });

  it('refuses an object over the limit by its header, as too large, not as damaged', () => {
    const big = history().git(['cat-file', '-s', 'HEAD:big.txt']);
    const err = refusal(() => scan(pack(), 4096, Number(big) - 1));
    expect(err.tooLarge).toBe(true);
    expect(err.message).toMatch(
      /is \d+ bytes, over the \d+ bytes limit of an object fetched over http/,
    );
  });
});
