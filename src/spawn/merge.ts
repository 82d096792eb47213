/**
 * The three-way merge behind `spawn update`: base is what the old template generated,
 * ours is the project as it is now, theirs is what the new template generates. A side
 * that did not change yields to the other; where both changed the same lines, both are
 * kept between conflict markers, so nothing the user wrote is ever lost.
 */
import { diff3Merge } from 'node-diff3';

export type Outcome =
  /** The template changed it and you had not: the new version was written. */
  | 'updated'
  /** Both changed it, in different places: merged cleanly. */
  | 'merged'
  /** Both changed the same lines: written with conflict markers. */
  | 'conflict'
  /** New in the template: written. */
  | 'added'
  /** Dropped by the template and untouched by you: removed. */
  | 'removed'
  /** Only you changed it (or nobody did): left as it is. */
  | 'kept'
  /** You deleted or changed it and the template dropped or changed it: left to you. */
  | 'skipped';

export interface FileMerge {
  path: string;
  outcome: Outcome;
  /** New content to write; null to delete; undefined to leave the file alone. */
  content?: string | null;
  /** Why a file was skipped. */
  note?: string;
}

export interface MergeLabels {
  ours: string;
  base: string;
  theirs: string;
}

/** Merges one text; `conflict` says whether markers were needed. */
export function mergeText(
  ours: string,
  base: string,
  theirs: string,
  labels: MergeLabels,
): { text: string; conflict: boolean } {
  const split = (s: string) => s.split('\n');
  const regions = diff3Merge(split(ours), split(base), split(theirs), {
    excludeFalseConflicts: true,
  });
  const out: string[] = [];
  let conflict = false;
  for (const region of regions) {
    if (region.ok) out.push(...region.ok);
    else if (region.conflict) {
      conflict = true;
      out.push(
        `<<<<<<< ${labels.ours}`,
        ...region.conflict.a,
        `||||||| ${labels.base}`,
        ...region.conflict.o,
        '=======',
        ...region.conflict.b,
        `>>>>>>> ${labels.theirs}`,
      );
    }
  }
  return { text: out.join('\n'), conflict };
}

/** Decides every file's fate; `ours` holds the project's files that exist now. */
export function mergeProject(
  base: Map<string, string>,
  ours: Map<string, string>,
  theirs: Map<string, string>,
  labels: MergeLabels,
): FileMerge[] {
  const paths = [...new Set([...base.keys(), ...theirs.keys()])].sort();
  return paths.map((path): FileMerge => {
    const b = base.get(path);
    const o = ours.get(path);
    const t = theirs.get(path);
    if (t === undefined) {
      // The new template no longer generates it.
      if (o === undefined) return { path, outcome: 'kept' };
      if (o === b) return { path, outcome: 'removed', content: null };
      return { path, outcome: 'skipped', note: 'you changed it; the template dropped it' };
    }
    if (b === undefined) {
      // New in the template.
      if (o === undefined) return { path, outcome: 'added', content: t };
      if (o === t) return { path, outcome: 'kept' };
      const merged = mergeText(o, '', t, labels);
      return { path, outcome: 'conflict', content: merged.text };
    }
    if (o === undefined) {
      return t === b
        ? { path, outcome: 'kept' }
        : { path, outcome: 'skipped', note: 'you deleted it; the template changed it' };
    }
    if (t === b || o === t) return { path, outcome: 'kept' };
    if (o === b) return { path, outcome: 'updated', content: t };
    const merged = mergeText(o, b, t, labels);
    return {
      path,
      outcome: merged.conflict ? 'conflict' : 'merged',
      content: merged.text,
    };
  });
}
