import { exportMarkdown } from '../operations/export.js';
import { openRepository, type GlobalOptions } from './context.js';
import type { IO } from '../present/io.js';

export interface ExportOptions extends GlobalOptions {
  dir: string;
  commit: boolean;
  json: boolean;
}

export async function run(options: ExportOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const result = await exportMarkdown(repo, {
    dir: options.dir,
    cwd: options.cwd ?? process.cwd(),
    commit: options.commit,
  });
  if (options.json) {
    io.json({
      written: result.written,
      unchanged: result.unchanged,
      commit: result.commit ?? null,
    });
    return 0;
  }
  for (const path of result.written) io.out(`${io.c.green('wrote')} ${path}`);
  for (const path of result.removed)
    io.out(
      `${io.c.yellow('removed')} ${path} ${io.c.dim('(no ADR is exported under that name any more)')}`,
    );
  io.out(io.c.dim(`${result.unchanged.length} file(s) already up to date`));
  if (result.commit) io.out(io.c.dim(`committed ${result.commit.slice(0, 7)}`));
  return 0;
}
