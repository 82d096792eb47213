// The GitHub Action runs the committed dist/action.js, not the source: after a build, the
// committed bundle must be exactly the fresh one, or the Action would run other code than
// the source says. Fix: `npm run build && git add dist/action.js`.
import { spawnSync } from 'node:child_process';

const git = (args) => spawnSync('git', args, { encoding: 'utf8' });
if (git(['ls-files', '--error-unmatch', 'dist/action.js']).status !== 0) {
  console.error('dist/action.js is not committed (fix: npm run build && git add dist/action.js)');
  process.exit(1);
}
const diff = git(['diff', '--stat', '--exit-code', '--', 'dist/action.js']);
if (diff.status !== 0) {
  console.error(
    'dist/action.js differs from a fresh build of src/ (fix: npm run build && git add dist/action.js)',
  );
  process.exit(1);
}
console.log('dist/action.js matches a fresh build');
