import { describe, expect, it } from 'vitest';
import { mergeProject, mergeText } from '../../src/spawn/merge.js';

const labels = { ours: 'yours', base: 'old', theirs: 'new' };
const lines = (...l: string[]) => l.join('\n') + '\n';

describe('mergeText', () => {
  it('applies changes to different lines from both sides', () => {
    const base = lines('a', 'b', 'c', 'd', 'e');
    const ours = lines('a', 'B', 'c', 'd', 'e');
    const theirs = lines('a', 'b', 'c', 'd', 'E');
    expect(mergeText(ours, base, theirs, labels)).toEqual({
      text: lines('a', 'B', 'c', 'd', 'E'),
      conflict: false,
    });
  });

  it('keeps both sides and the base between markers when both changed one line', () => {
    const merged = mergeText(lines('x', 'mine'), lines('x', 'base'), lines('x', 'theirs'), labels);
    expect(merged.conflict).toBe(true);
    expect(merged.text).toBe(
      lines(
        'x',
        '<<<<<<< yours',
        'mine',
        '||||||| old',
        'base',
        '=======',
        'theirs',
        '>>>>>>> new',
      ),
    );
  });

  it('the same change on both sides is no conflict', () => {
    expect(mergeText(lines('same'), lines('old'), lines('same'), labels)).toEqual({
      text: lines('same'),
      conflict: false,
    });
  });
});

describe('mergeProject', () => {
  const m = (entries: [string, string][]) => new Map(entries);
  it('decides each file by who changed it, and never drops an edit', () => {
    const base = m([
      ['untouched', '1\n'],
      ['template-changed', '1\n'],
      ['user-changed', '1\n'],
      ['user-deleted', '1\n'],
      ['dropped', '1\n'],
      ['dropped-but-edited', '1\n'],
    ]);
    const ours = m([
      ['untouched', '1\n'],
      ['template-changed', '1\n'],
      ['user-changed', 'mine\n'],
      ['dropped', '1\n'],
      ['dropped-but-edited', 'mine\n'],
      ['new-both', 'mine\n'],
    ]);
    const theirs = m([
      ['untouched', '1\n'],
      ['template-changed', '2\n'],
      ['user-changed', '1\n'],
      ['user-deleted', '2\n'],
      ['new', 'n\n'],
      ['new-both', 'theirs\n'],
    ]);
    const result = Object.fromEntries(
      mergeProject(base, ours, theirs, labels).map((f) => [f.path, [f.outcome, f.content]]),
    );
    expect(result).toEqual({
      untouched: ['kept', undefined],
      'template-changed': ['updated', '2\n'],
      'user-changed': ['kept', undefined],
      'user-deleted': ['skipped', undefined],
      dropped: ['removed', null],
      'dropped-but-edited': ['skipped', undefined],
      new: ['added', 'n\n'],
      'new-both': [
        'conflict',
        lines('<<<<<<< yours', 'mine', '||||||| old', '=======', 'theirs', '>>>>>>> new'),
      ],
    });
  });
});
