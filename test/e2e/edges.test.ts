/** Set-ups the tool cannot serve yet, or input it cannot use: a clear refusal, no damage. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '../helpers/cli.js';

describe('refusals that protect the repository', () => {
  const sandboxes: Sandbox[] = [];
  afterAll(() => sandboxes.forEach((s) => s.cleanup()));

  it('refuses to write in a linked git worktree, naming it and what to do, and changes nothing', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    await s.initSigned();
    const linked = join(s.dir, 'linked');
    await s.git(['worktree', 'add', '-q', linked, '-b', 'other']);
    const before = await s.state();
    const result = await s.run(['record', 'decision', 'Written from a worktree'], { cwd: linked });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/linked git worktree/);
    expect(result.stderr).toMatch(/fix: run it in the main worktree/);
    expect(await s.state()).toBe(before);
    expect(await s.git(['status', '--porcelain'], linked)).toBe('');
  });

  it('key generate with an email openpgp.js cannot encode is a usage error, not a crash', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    const result = await s.run(['key', 'generate', '--name', 'Q', '--email', 'q@x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: cannot make a key for "Q <q@x>"/);
    expect(result.stderr).not.toMatch(/this is a bug/);
  });
});
