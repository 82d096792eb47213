import { createAdr, loadAdrs, type AdrInput } from '../../adr/store.js';
import { adrTemplate, parseAdrMarkdown } from '../../adr/template.js';
import { findAdr } from '../../adr/adr.js';
import { RemembrancerError } from '../../ground/errors.js';
import type { AdrStatus } from '../../memory/memory-types.js';
import { openRepository, signer, type GlobalOptions, type SigningOptions } from '../context.js';
import { editText } from '../editor.js';
import type { IO } from '../../present/io.js';
import { printRecorded } from '../record/output.js';

export interface AdrCreateOptions extends GlobalOptions, SigningOptions {
  title: string;
  context?: string;
  decision?: string;
  consequences?: string;
  status?: AdrStatus;
  option: string[];
  decider: string[];
  tag: string[];
  edit?: boolean;
  commit: boolean;
  json: boolean;
  /** Set by `adr supersede`: the ADR the new one replaces. */
  supersedes?: string;
}

export async function run(options: AdrCreateOptions, io: IO): Promise<number> {
  const repo = openRepository(options);
  const who = await signer(io, options);
  let supersedes: string[] = [];
  let replaced = '';
  if (options.supersedes !== undefined) {
    const old = findAdr((await loadAdrs(repo)).adrs, options.supersedes);
    if (old.status === 'superseded') {
      throw new RemembrancerError('USAGE', `${old.handle} is already superseded`, {
        fix: 'supersede the ADR that replaced it instead',
      });
    }
    supersedes = [old.id];
    replaced = old.handle;
  }
  const status: AdrStatus = options.status ?? (supersedes.length > 0 ? 'accepted' : 'proposed');
  let input: AdrInput = {
    title: options.title,
    status,
    context: options.context,
    decision: options.decision,
    consequences: options.consequences,
    options: options.option,
    deciders: options.decider.length > 0 ? options.decider : who ? [who.identity.name] : [],
    tags: options.tag,
  };
  const texts = options.context ?? options.decision ?? options.consequences;
  const interactive = process.stdin.isTTY && io.isStderrTTY;
  if (texts === undefined && (options.edit ?? interactive)) {
    const template = adrTemplate({
      title: options.title,
      status,
      deciders: input.deciders ?? [],
      tags: options.tag,
    });
    const edited = editText(io, template, 'ADR.md');
    if (edited === template) {
      throw new RemembrancerError(
        'USAGE',
        'the ADR template was left unchanged; nothing was written',
        {
          exitCode: 1,
          fix: 'fill in at least one section, or pass --context/--decision/--consequences',
        },
      );
    }
    const draft = parseAdrMarkdown(edited, options.title);
    input = { ...draft };
  } else if (texts === undefined) {
    throw new RemembrancerError(
      'USAGE',
      'say what was decided: no text was given and there is no terminal for an editor',
      {
        fix: 'pass --context, --decision and --consequences, or --edit with $EDITOR set',
      },
    );
  }
  const written = await createAdr(repo, input, { signer: who, commit: options.commit, supersedes });
  if (options.json) {
    printRecorded(io, written.record, true, { handle: written.handle });
    return 0;
  }
  printRecorded(io, written.record, false);
  if (replaced) io.out(io.c.dim(`supersedes ${replaced}`));
  return 0;
}
