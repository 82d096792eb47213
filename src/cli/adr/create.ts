import { adrStatusFor, createAdr, supersedable, type AdrInput } from '../../adr/store.js';
import { adrTemplate, parseAdrMarkdown } from '../../adr/template.js';
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
  let input: AdrInput = {
    title: options.title,
    status: options.status,
    context: options.context,
    decision: options.decision,
    consequences: options.consequences,
    options: options.option,
    deciders: options.decider,
    tags: options.tag,
    supersedes: options.supersedes,
  };
  const texts = options.context ?? options.decision ?? options.consequences;
  const interactive = process.stdin.isTTY && io.isStderrTTY;
  if (texts === undefined && (options.edit ?? interactive)) {
    // Before the editor opens, so no text is written for an ADR that cannot be superseded.
    if (options.supersedes !== undefined) await supersedable(repo, options.supersedes);
    const template = adrTemplate({
      title: options.title,
      status: adrStatusFor(input),
      deciders: options.decider.length > 0 ? options.decider : who ? [who.identity.name] : [],
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
    input = { ...parseAdrMarkdown(edited, options.title), supersedes: options.supersedes };
  } else if (texts === undefined) {
    throw new RemembrancerError(
      'USAGE',
      'say what was decided: no text was given and there is no terminal for an editor',
      {
        fix: 'pass --context, --decision and --consequences, or --edit with $EDITOR set',
      },
    );
  }
  const written = await createAdr(repo, input, { signer: who, commit: options.commit });
  if (options.json) {
    printRecorded(io, written.record, true, { handle: written.handle });
    return 0;
  }
  printRecorded(io, written.record, false);
  if (written.superseded) io.out(io.c.dim(`supersedes ${written.superseded}`));
  return 0;
}
