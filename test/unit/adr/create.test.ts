/**
 * The ADR use-case, called in process as every front-end calls it: its rules hold whichever
 * front-end asks (the CLI, an MCP agent), and a refused ADR leaves the repository as it was.
 */
import { describe, expect, it } from 'vitest';
import { createAdr, loadAdrs } from '../../../src/adr/store.js';
import { RemembrancerError } from '../../../src/ground/errors.js';
import { findRepository, requireInitialized } from '../../../src/ground/repository.js';
import { Sandbox, sandboxTracker } from '../../helpers/cli.js';

const track = sandboxTracker();

async function repository() {
  const s = track(new Sandbox());
  await s.gitInit();
  await s.ok(['init', '--policy', 'permissive']);
  return { s, repo: requireInitialized(findRepository(s.repo)) };
}

async function refusal(p: Promise<unknown>): Promise<RemembrancerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RemembrancerError);
  return err as RemembrancerError;
}

describe('createAdr', () => {
  it('numbers a new ADR, proposed, and one that supersedes it accepted', async () => {
    const { repo } = await repository();
    const first = await createAdr(
      repo,
      { title: 'Use Postgres', decision: 'Postgres 16' },
      {
        commit: true,
      },
    );
    expect(first.handle).toBe('ADR-0001');
    expect(first.superseded).toBeUndefined();
    const second = await createAdr(
      repo,
      { title: 'Use CockroachDB', decision: 'CockroachDB 24', supersedes: '1' },
      { commit: true },
    );
    expect(second).toMatchObject({ handle: 'ADR-0002', superseded: 'ADR-0001' });
    const { adrs } = await loadAdrs(repo);
    expect(adrs.map((a) => [a.handle, a.status])).toEqual([
      ['ADR-0001', 'superseded'],
      ['ADR-0002', 'accepted'],
    ]);
  });

  it('refuses to supersede an ADR twice, and writes nothing', async () => {
    const { s, repo } = await repository();
    await createAdr(repo, { title: 'A', decision: 'a' }, { commit: true });
    await createAdr(repo, { title: 'B', decision: 'b', supersedes: 'ADR-0001' }, { commit: true });
    const head = await s.git(['rev-parse', 'HEAD']);
    const err = await refusal(
      createAdr(repo, { title: 'C', decision: 'c', supersedes: 'ADR-0001' }, { commit: true }),
    );
    expect(err.message).toBe('ADR-0001 is already superseded');
    expect(err.fix).toMatch(/the ADR that replaced it/);
    expect(await s.git(['rev-parse', 'HEAD'])).toBe(head);
    expect(await s.git(['status', '--porcelain'])).toBe('');
  });

  it('refuses an ADR with no text, or only blanks, whoever asks', async () => {
    const { s, repo } = await repository();
    for (const input of [
      { title: 'Nothing said' },
      { title: 'Blanks', context: '  ', decision: '\n', consequences: '' },
    ]) {
      const err = await refusal(createAdr(repo, input, { commit: true }));
      expect(err.message).toBe('say what was decided: the ADR has no text');
      expect(err.exitCode).toBe(2);
    }
    expect(await s.git(['status', '--porcelain'])).toBe('');
    expect((await loadAdrs(repo)).adrs).toEqual([]);
  });
});
