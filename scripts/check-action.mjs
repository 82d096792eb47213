// Generated files that are committed, checked after a build against the fresh ones:
// dist/action.js, which the GitHub Action runs (not the source), and the validators compiled
// from schemas/. Fix: `npm run build && git add dist/action.js src/core/generated`.
import { spawnSync } from 'node:child_process';

const git = (args) => spawnSync('git', args, { encoding: 'utf8' });
if (git(['ls-files', '--error-unmatch', 'dist/action.js']).status !== 0) {
  console.error('dist/action.js is not committed (fix: npm run build && git add dist/action.js)');
  process.exit(1);
}
for (const path of ['dist/action.js', 'src/memory/generated/validators.ts']) {
  const diff = git(['diff', '--stat', '--exit-code', '--', path]);
  const untracked = git(['ls-files', '--error-unmatch', path]).status !== 0;
  if (diff.status !== 0 || untracked) {
    console.error(
      `${path} differs from a fresh build (fix: npm run build && git add dist/action.js src/core/generated)`,
    );
    process.exit(1);
  }
}
console.log('dist/action.js and the compiled validators match a fresh build');
