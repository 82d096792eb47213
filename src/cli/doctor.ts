import { runDoctor, type CheckState } from '../operations/doctor.js';
import type { GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';

export interface DoctorOptions extends GlobalOptions {
  json: boolean;
}

export async function run(options: DoctorOptions, io: IO): Promise<number> {
  const report = await runDoctor({ cwd: options.cwd ?? process.cwd(), env: io.env });
  if (options.json) {
    io.json(report);
    return report.ok ? 0 : 1;
  }
  const mark = (state: CheckState) =>
    state === 'ok' ? io.c.green('✓') : state === 'warn' ? io.c.yellow('!') : io.c.red('✗');
  for (const c of report.checks) {
    io.out(`${mark(c.state)} ${c.name.padEnd(14)} ${c.detail}`);
    if (c.fix && c.state !== 'ok') io.out(io.c.dim(`    fix: ${c.fix}`));
  }
  const failed = report.checks.filter((c) => c.state === 'fail').length;
  const warned = report.checks.filter((c) => c.state === 'warn').length;
  io.out(
    failed > 0
      ? io.c.red(`${failed} problem(s) block normal use`)
      : warned > 0
        ? io.c.yellow(`ready, with ${warned} warning(s)`)
        : io.c.green('ready'),
  );
  return report.ok ? 0 : 1;
}
