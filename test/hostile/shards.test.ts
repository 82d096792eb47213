/**
 * Symbolic links where .remembrancer/, memories/, a shard folder or a memory file belongs,
 * in our working tree and in a peer's commit. None is ever followed, and each is refused
 * for what it is (a symbolic link), not for something it is not: our covenant and list
 * name the link, a peer's linked shard is a rejection saying so while its good memory comes
 * through, and a peer whose .remembrancer/ or memories/ is a link is refused with one line.
 * Nothing of ours changes.
 */
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, sandboxTracker } from '../helpers/cli.js';
import { memoryFile } from '../helpers/craft.js';
import {
  commitAll,
  covenantHolds,
  decide,
  forkNode,
  makeNode,
  peer,
  sync,
  type Node,
} from '../helpers/nodes.js';

const track = sandboxTracker();

let alpha: Node;
let beta: Node;

beforeAll(async () => {
  [alpha, beta] = await Promise.all([makeNode('alpha'), makeNode('beta')]);
});

/** Moves `path` (relative to the repository) out of it and leaves a link to it in its place. */
function linkOut(node: Node, path: string): string {
  const outside = join(track(new Sandbox()).dir, 'target');
  renameSync(join(node.s.repo, path), outside);
  symlinkSync(outside, join(node.s.repo, path));
  return outside;
}

describe('in our working tree', () => {
  const cases: [string, (id: string) => string, string][] = [
    ['a shard folder', (id) => `.remembrancer/memories/${id.slice(0, 2)}`, 'a shard folder'],
    ['a memory file', (id) => memoryFile(id), 'a memory file'],
    ['memories/', () => '.remembrancer/memories', 'the memories/ folder'],
    ['.remembrancer/ itself', () => '.remembrancer', 'the .remembrancer/ folder'],
  ];
  for (const [what, pathOf, named] of cases) {
    it(`${what} that is a symbolic link is refused as one, never followed`, async () => {
      const a = forkNode(alpha);
      const id = await decide(a, 'Behind a link');
      const path = pathOf(id);
      linkOut(a, path);
      const before = await a.s.state();
      const line = `${path}: a symbolic link where ${named} belongs, refused: it would be read from wherever it points`;

      // A linked file or shard is one broken memory (exit 1); a linked folder above them
      // leaves nothing to judge (exit 2, as for any input that cannot be read).
      const inside = named === 'a shard folder' || named === 'a memory file';
      const covenant = await a.s.run(['covenant']);
      expect(covenant.code).toBe(inside ? 1 : 2);
      expect(covenant.stdout + covenant.stderr).toContain(line);
      expect(covenant.stdout + covenant.stderr).not.toMatch(/not a shard folder|not a memory/);

      // list leaves it out, names it, and shows nothing read through the link.
      const list = await a.s.run(['list', '--json']);
      const fix =
        '(fix: replace the link with the real folder or file (git rm the link, then restore it from a commit))';
      if (inside) {
        expect(list.code).toBe(0);
        expect(list.stderr.trim()).toBe(`warning: left out ${line} ${fix}`);
        // query and timeline say the same about it.
        for (const args of [['query', 'link'], ['timeline']]) {
          const r = await a.s.run([...args, '--json']);
          expect([r.code, r.stderr.trim()]).toEqual([0, `warning: left out ${line} ${fix}`]);
          expect(r.stdout).not.toContain(id);
        }
      } else {
        expect(list.code).toBe(2);
        expect(list.stderr.trim().split('\n')[0]).toBe(`error: ${line} ${fix}`);
      }
      expect(list.stdout).not.toContain(id);
      expect(await a.s.state()).toBe(before);
    });
  }
});

describe("in a peer's commit", () => {
  async function pair(): Promise<{ a: Node; b: Node; good: string }> {
    const a = forkNode(alpha);
    const b = forkNode(beta);
    const good = await decide(b, 'A legitimate decision');
    await peer(a, b);
    return { a, b, good };
  }

  it('a linked shard is rejected as a symbolic link, and the good memory comes through', async () => {
    const { a, b, good } = await pair();
    // The shard of `good` stays a real folder: memories that land in it come through too.
    const alongside = [good];
    let hidden = await decide(b, 'Filed behind a link');
    while (hidden.slice(0, 2) === good.slice(0, 2)) {
      alongside.push(hidden);
      hidden = await decide(b, `Filed behind a link, take ${alongside.length}`);
    }
    const shard = `.remembrancer/memories/${hidden.slice(0, 2)}`;
    const target = linkOut(b, shard);
    mkdirSync(target, { recursive: true });
    await commitAll(b, 'a shard that is a link');
    const out = await sync(a, 'beta');
    expect([...out.accepted].sort()).toEqual(alongside.sort());
    expect(out.rejected).toEqual([
      {
        path: `memories/${hidden.slice(0, 2)}`,
        reason: 'a symbolic link where a shard folder belongs, refused',
      },
    ]);
    expect(await a.s.git(['ls-files', '.remembrancer/memories'])).not.toContain(hidden);
    await covenantHolds(a);
  });

  for (const linked of ['.remembrancer/memories', '.remembrancer']) {
    it(`a peer whose ${linked} is a symbolic link is refused with one line, nothing changes`, async () => {
      const { a, b } = await pair();
      linkOut(b, linked);
      await commitAll(b, `${linked} is a link`);
      const tip = (await b.s.git(['rev-parse', '--short=7', 'HEAD'])).trim();
      const before = await a.s.state();
      const r = await a.s.run(['federation', 'sync', 'beta']);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `error: peer "beta": ${linked} is a symbolic link in refs/heads/main (${tip}), refused (fix: ask the peer to commit ${linked}/ as a folder)`,
      ]);
      expect(await a.s.state()).toBe(before);
    });
  }
});
