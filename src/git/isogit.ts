/** isomorphic-git, loaded on first use (it is the heaviest module after openpgp.js). */
import type * as IsoGit from 'isomorphic-git';
import * as fs from 'node:fs';

let loaded: Promise<typeof IsoGit> | undefined;

export function isogit(): Promise<typeof IsoGit> {
  loaded ??= import('isomorphic-git').then(
    (m) => (m as unknown as { default?: typeof IsoGit }).default ?? m,
  );
  return loaded;
}

export { fs };

export type ReadCommitResult = IsoGit.ReadCommitResult;
export type TreeEntry = IsoGit.TreeEntry;
