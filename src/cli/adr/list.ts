import { loadAdrs } from '../../adr/store.js';
import { RemembrancerError } from '../../ground/errors.js';
import { openRepository, type GlobalOptions } from '../context.js';
import type { IO } from '../../present/io.js';
import { adrJson, statusColour } from './render.js';

export interface AdrListOptions extends GlobalOptions {
  status?: string;
  json: boolean;
}

const STATES = ['proposed', 'accepted', 'rejected', 'deprecated', 'superseded'];

export async function run(options: AdrListOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  if (options.status !== undefined && !STATES.includes(options.status)) {
    throw new RemembrancerError(
      'USAGE',
      `status "${options.status}" is not one of ${STATES.join(', ')}`,
      {
        fix: `choose one of ${STATES.join(', ')}`,
      },
    );
  }
  const { adrs } = await loadAdrs(repo);
  const shown = adrs.filter((a) => options.status === undefined || a.status === options.status);
  if (options.json) {
    io.json(shown.map(adrJson));
    return 0;
  }
  if (shown.length === 0) {
    io.out(
      options.status
        ? `no ${options.status} ADRs`
        : `no ADRs yet; write one with ${io.c.cyan('remembrancer adr create "Title"')}`,
    );
    return 0;
  }
  io.table(
    ['HANDLE', 'STATUS', 'DATE', 'TITLE'],
    shown.map((a) => [a.handle, statusColour(io, a.status), a.created.slice(0, 10), a.title]),
  );
  return 0;
}
