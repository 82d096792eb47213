/** Entry of the bundled Action (dist/action.js): runs it and turns failures into annotations. */
import { RemembrancerError } from '../ground/errors.js';
import { Runner } from './github.js';
import { main } from './main.js';

const runner = new Runner(process.env, (line) => process.stdout.write(line + '\n'));
try {
  process.exitCode = await main(runner);
} catch (err) {
  const text =
    err instanceof RemembrancerError
      ? `${err.file ? `${err.file}: ` : ''}${err.message}${err.fix ? ` (fix: ${err.fix})` : ''}`
      : err instanceof Error
        ? err.message
        : String(err);
  runner.annotate('error', text, { title: 'remembrancer' });
  process.exitCode = 1;
}
