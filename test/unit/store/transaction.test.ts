/**
 * transact and Transaction, the one way memory reaches the disk and git: all the files of
 * a write are committed together or none is left behind; the journal says, before the
 * first file is renamed in, what is replaced by what, so the next command can finish the
 * write; two writers never interleave, the second either waits its turn or says LOCKED.
 */
import { existsSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/crypto/openpgp.js';
import { gitBlobOid } from '../../../src/git/history.js';
import { RemembrancerError } from '../../../src/ground/errors.js';
import { lockPath } from '../../../src/ground/repository.js';
import { toMemory } from '../../../src/memory/envelope.js';
import { Journal, journalPath, readJournal } from '../../../src/store/journal.js';
import { recoverInterrupted } from '../../../src/store/recovery.js';
import { Transaction, transact } from '../../../src/store/transaction.js';
import { newKeyFiles, signedEnvelope, signWith } from '../../helpers/craft.js';
import { gitRepos, type GitRepo } from '../../helpers/git-repo.js';

const newRepo = gitRepos();

// Commits take their identity from this process's environment and git config: make both
// the test's own.
const saved = { ...process.env };
beforeAll(() => {
  const r = newRepo();
  for (const name of ['HOME', 'XDG_CONFIG_HOME', 'GIT_CONFIG_NOSYSTEM'])
    process.env[name] = r.env[name];
  Object.assign(process.env, {
    GIT_AUTHOR_NAME: 'Tess Transact',
    GIT_AUTHOR_EMAIL: 'tess@example.com',
    GIT_COMMITTER_NAME: 'Tess Transact',
    GIT_COMMITTER_EMAIL: 'tess@example.com',
  });
  delete process.env['REMEMBRANCER_LOCK_TIMEOUT_MS'];
  delete process.env['REMEMBRANCER_CRASH_AT'];
});
afterAll(() => {
  process.env = saved;
});

const CONFIG = '.remembrancer/config.json';
const NEW = '.remembrancer/memories/ab/new.json';

function started(): GitRepo {
  const r = newRepo();
  r.commit('init', { [CONFIG]: '{"node":"before"}\n', 'README.md': 'hi\n' });
  return r;
}

/** Everything a user could see of the repository: HEAD, status, index, the two files. */
function state(r: GitRepo): string {
  const read = (p: string) =>
    existsSync(join(r.root, p)) ? readFileSync(join(r.root, p), 'utf8') : '-';
  return [
    r.git(['rev-parse', 'HEAD']),
    r.git(['status', '--porcelain=v1', '--untracked-files=all']),
    r.git(['ls-files', '-s']),
    read(CONFIG),
    read(NEW),
  ].join('\n');
}

function settled(r: GitRepo): void {
  expect(existsSync(journalPath(r.repo)), 'journal left behind').toBe(false);
  expect(existsSync(lockPath(r.repo)), 'lock left behind').toBe(false);
}

const write = (r: GitRepo, commit = true) =>
  transact(r.repo, { commit, message: () => 'remembrancer: test write' }, async (tx) => {
    await tx.write(CONFIG, '{"node":"after"}\n');
    await tx.write(NEW, '{"new":true}\n');
    return 'done';
  });

describe('transact', () => {
  it('commits every file of the write together, and leaves no journal and no lock', async () => {
    const r = started();
    const out = await write(r);
    expect(out.result).toBe('done');
    expect(out.paths.sort()).toEqual([CONFIG, NEW].sort());
    expect(r.git(['rev-parse', 'HEAD'])).toBe(out.commit);
    expect(r.git(['show', '--name-only', '--format=%s', 'HEAD']).split('\n')).toEqual([
      'remembrancer: test write',
      '',
      CONFIG,
      NEW,
    ]);
    expect(r.git(['status', '--porcelain'])).toBe('');
    settled(r);
  });

  it('stages without committing when asked to', async () => {
    const r = started();
    const head = r.git(['rev-parse', 'HEAD']);
    const out = await write(r, false);
    expect(out.commit).toBeUndefined();
    expect(r.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(r.git(['diff', '--cached', '--name-only']).split('\n').sort()).toEqual(
      [CONFIG, NEW].sort(),
    );
    settled(r);
  });

  it('a work that fails writes nothing at all', async () => {
    const r = started();
    const before = state(r);
    const failure = transact(r.repo, { commit: true, message: () => 'never' }, async (tx) => {
      await tx.write(CONFIG, '{"node":"half"}\n');
      throw new Error('the work broke half-way');
    });
    await expect(failure).rejects.toThrow('the work broke half-way');
    expect(state(r)).toBe(before);
    settled(r);
  });

  it('a commit that fails puts every file back as it was, and says so', async () => {
    const r = started();
    const before = state(r);
    writeFileSync(join(r.gitdir, 'index.lock'), ''); // a git command of the user's, running
    const failure = write(r);
    await expect(failure).rejects.toBeInstanceOf(RemembrancerError);
    await expect(failure).rejects.toMatchObject({ code: 'LOCKED' });
    expect(state(r)).toBe(before);
    expect(existsSync(join(r.root, NEW))).toBe(false);
    settled(r);
  });

  it('refuses to write a private key under .remembrancer/, and writes nothing', async () => {
    const r = started();
    const before = state(r);
    const pair = await generateKeyPair({ name: 'Secret', email: 'secret@example.com' });
    const failure = transact(r.repo, { commit: true, message: () => 'never' }, async (tx) => {
      await tx.write(NEW, '{"new":true}\n');
      await tx.write('.remembrancer/trust/keys/oops.asc', pair.privateArmored);
    });
    await expect(failure).rejects.toMatchObject({
      code: 'PRIVATE_KEY_IN_REPOSITORY',
      file: '.remembrancer/trust/keys/oops.asc',
    });
    expect(state(r)).toBe(before);
    settled(r);
  });

  it('a work that writes nothing makes no commit', async () => {
    const r = started();
    const head = r.git(['rev-parse', 'HEAD']);
    const out = await transact(r.repo, { commit: true, message: () => 'never' }, async () => 7);
    expect(out).toEqual({ result: 7, paths: [] });
    expect(r.git(['rev-parse', 'HEAD'])).toBe(head);
  });
});

describe('two writers', () => {
  /** A transaction whose work waits, holding the lock, until `release` is called. */
  function holding(r: GitRepo) {
    let entered!: () => void;
    let release!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = transact(r.repo, { commit: true, message: () => 'first' }, async (tx) => {
      entered();
      await gate;
      await tx.write(NEW, '{"first":true}\n');
    });
    return { inside, release, done };
  }

  it('the second, told not to wait, says LOCKED naming the lock while the first holds it', async () => {
    const r = started();
    const first = holding(r);
    await first.inside;
    process.env['REMEMBRANCER_LOCK_TIMEOUT_MS'] = '0';
    try {
      await expect(write(r)).rejects.toMatchObject({ code: 'LOCKED', file: lockPath(r.repo) });
    } finally {
      delete process.env['REMEMBRANCER_LOCK_TIMEOUT_MS'];
    }
    first.release();
    await first.done;
    expect(r.git(['log', '-1', '--format=%s'])).toBe('first');
    settled(r);
  });

  it('the second waits its turn and builds on the first’s commit', async () => {
    const r = started();
    const first = holding(r);
    await first.inside;
    // The second's try at the lock leaves a trace: the file it links in as the lock.
    const lockName = basename(lockPath(r.repo));
    const tried = new Promise<void>((resolve) => {
      const watcher = watch(r.gitdir, (_event, name) => {
        if (name?.startsWith(`.${lockName}.`)) {
          watcher.close();
          resolve();
        }
      });
    });
    let headSeen: string | undefined;
    const second = transact(r.repo, { commit: true, message: () => 'second' }, async (tx) => {
      headSeen = r.git(['rev-parse', 'HEAD']);
      await tx.write(CONFIG, '{"node":"second"}\n');
    });
    await tried;
    expect(headSeen, 'the second ran while the first held the lock').toBeUndefined();
    first.release();
    await first.done;
    const firstCommit = r.git(['log', '--format=%H', '--grep=^first$', '-1']);
    await second;
    expect(headSeen).toBe(firstCommit);
    expect(r.git(['log', '--format=%s', '-2']).split('\n')).toEqual(['second', 'first']);
    settled(r);
  });
});

describe('Transaction', () => {
  it('journals each file with what it replaced (kept as a blob) before the commit', async () => {
    const r = started();
    const tx = new Transaction(r.repo);
    await tx.write(CONFIG, '{"node":"after"}\n');
    await tx.write(NEW, '{"new":true}\n');
    const who = {
      author: { name: 'J', email: 'j@example.com' },
      committer: { name: 'J', email: 'j@example.com' },
    };
    await tx.apply((files) =>
      Journal.begin(r.repo, {
        command: 'test write',
        mode: 'commit',
        message: 'journalled',
        who,
        files,
      }),
    );
    const journal = await readJournal(r.repo);
    expect(journal?.renamed).toBe(true);
    expect(journal?.begin.files.sort()).toEqual(
      [
        [
          CONFIG,
          gitBlobOid(Buffer.from('{"node":"before"}\n')),
          gitBlobOid(Buffer.from('{"node":"after"}\n')),
        ],
        [NEW, null, gitBlobOid(Buffer.from('{"new":true}\n'))],
      ].sort(),
    );
    // What the write replaced can be put back from git.
    expect(
      r.git(['cat-file', 'blob', journal?.begin.files.find((f) => f[0] === CONFIG)?.[1] as string]),
    ).toBe('{"node":"before"}');
    // The process "dies" here; the next command to take the lock finishes the write.
    const said = await recoverInterrupted(r.repo);
    expect(said).toMatch(
      /^finished the interrupted "test write" .*: committed [0-9a-f]{7} with 2 files$/,
    );
    expect(r.git(['log', '-1', '--format=%s'])).toBe('journalled');
    expect(r.git(['status', '--porcelain'])).toBe('');
    expect(existsSync(journalPath(r.repo))).toBe(false);
  });

  it('writeMemory: a new memory is created, the same one is unchanged, a new signature merges', async () => {
    const r = started();
    const [a, b] = await Promise.all([newKeyFiles(r.dir, 'Alice'), newKeyFiles(r.dir, 'Bob')]);
    const byAlice = await signedEnvelope('Use Postgres', a as NonNullable<typeof a>);
    const memory = toMemory(byAlice);
    const out = await transact(r.repo, { commit: true, message: () => 'one' }, (tx) =>
      tx.writeMemory(memory),
    );
    expect(out.result).toBe('created');
    const again = await transact(r.repo, { commit: true, message: () => 'two' }, (tx) =>
      tx.writeMemory(memory),
    );
    expect(again).toEqual({ result: 'unchanged', paths: [] });
    const cosigned = toMemory({
      signed: byAlice.signed,
      signatures: [await signWith(byAlice.signed, b as NonNullable<typeof b>)],
    });
    const merged = await transact(r.repo, { commit: true, message: () => 'three' }, (tx) =>
      tx.writeMemory(cosigned),
    );
    expect(merged.result).toBe('merged');
    const file = JSON.parse(readFileSync(join(r.root, '.remembrancer', memory.path), 'utf8')) as {
      signatures: { keyid: string }[];
    };
    expect(file.signatures.map((s) => s.keyid).sort()).toEqual(
      [a?.fingerprint, b?.fingerprint].sort(),
    );
  });
});
