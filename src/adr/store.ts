/**
 * Reading and writing ADRs. Only the memories that tell an ADR's story (adr, adr-status,
 * adr-link) are read, found through the catalog, so ADR commands stay quick however many
 * deploy receipts a repository holds.
 */
import type { Signer } from '../crypto/signer.js';
import { deriveAdrs, findAdr, nextAdrNumber, type Adr } from './adr.js';
import { openCatalog } from '../store/catalog.js';
import { requireConfig } from '../store/config.js';
import { decodeMemory, MAX_MEMORY_BYTES, type Memory } from '../memory/envelope.js';
import { RemembrancerError } from '../ground/errors.js';
import {
  buildAdr,
  buildAdrLink,
  buildAdrStatus,
  adrLabel,
  type AdrBody,
  type AdrRelation,
  type AdrStatus,
} from '../memory/memory-types.js';
import { recordMemory, type RecordResult } from '../record/record.js';
import type { Repository } from '../ground/repository.js';
import { WorkingTreeSnapshot } from '../ground/snapshot.js';

const ADR_TYPES = new Set(['adr', 'adr-status', 'adr-link']);

export async function loadAdrMemories(repo: Repository): Promise<Memory[]> {
  const catalog = await openCatalog(repo);
  const snapshot = new WorkingTreeSnapshot(repo.remDir);
  const memories: Memory[] = [];
  for (const entry of catalog.entries.values()) {
    if (!ADR_TYPES.has(entry.type)) continue;
    const bytes = await snapshot.read(entry.path, MAX_MEMORY_BYTES);
    if (bytes) memories.push(decodeMemory(entry.path, bytes));
  }
  return memories;
}

export async function loadAdrs(repo: Repository): Promise<{ adrs: Adr[]; node: string }> {
  const config = await requireConfig(new WorkingTreeSnapshot(repo.remDir));
  return { adrs: deriveAdrs(await loadAdrMemories(repo), config.node), node: config.node };
}

export interface AdrInput {
  title: string;
  /** Default: accepted when it supersedes an ADR, proposed otherwise. */
  status?: AdrStatus | undefined;
  context?: string | undefined;
  decision?: string | undefined;
  consequences?: string | undefined;
  options?: string[];
  /** Default: the signer. */
  deciders?: string[] | undefined;
  tags?: string[];
  /** The ADR this one replaces: a handle (ADR-0003, 3) or an id prefix. */
  supersedes?: string | undefined;
}

export interface AdrWrite {
  record: RecordResult;
  handle: string;
  /** The handle of the ADR it superseded. */
  superseded?: string;
}

class NumberTaken extends Error {}

/** The status a new ADR gets when none is given: accepted when it supersedes one. */
export function adrStatusFor(input: Pick<AdrInput, 'status' | 'supersedes'>): AdrStatus {
  return input.status ?? (input.supersedes === undefined ? 'proposed' : 'accepted');
}

/** The ADR that `wanted` names, if a new ADR may supersede it. */
export async function supersedable(repo: Repository, wanted: string): Promise<Adr> {
  const old = findAdr((await loadAdrs(repo)).adrs, wanted);
  if (old.status === 'superseded') {
    throw new RemembrancerError('USAGE', `${old.handle} is already superseded`, {
      fix: 'supersede the ADR that replaced it instead',
    });
  }
  return old;
}

/**
 * Records a new ADR with the next number of this node. The number is checked again under
 * the write lock, and taken afresh if a concurrent writer used it first.
 */
export async function createAdr(
  repo: Repository,
  input: AdrInput,
  options: { signer?: Signer | undefined; commit: boolean },
): Promise<AdrWrite> {
  const config = await requireConfig(new WorkingTreeSnapshot(repo.remDir));
  if (!input.title.trim()) {
    throw new RemembrancerError('USAGE', 'an ADR needs a title', {
      fix: 'give the ADR a title',
    });
  }
  if (!input.context?.trim() && !input.decision?.trim() && !input.consequences?.trim()) {
    throw new RemembrancerError('USAGE', 'say what was decided: the ADR has no text', {
      fix: 'give at least one of its context, decision and consequences',
    });
  }
  const superseded =
    input.supersedes === undefined ? undefined : await supersedable(repo, input.supersedes);
  const status = adrStatusFor(input);
  const deciders =
    input.deciders && input.deciders.length > 0
      ? input.deciders
      : options.signer
        ? [options.signer.identity.name]
        : [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const number = nextAdrNumber(await loadAdrMemories(repo), config.node);
    const body: AdrBody = {
      number,
      title: input.title,
      status,
      tags: input.tags ?? [],
      ...(input.context ? { context: input.context } : {}),
      ...(input.decision ? { decision: input.decision } : {}),
      ...(input.consequences ? { consequences: input.consequences } : {}),
      ...(input.options ? { options: input.options } : {}),
      deciders,
    };
    try {
      const record = await recordMemory(
        repo,
        (origin) => buildAdr(origin, body, superseded ? [superseded.id] : []),
        () => `remembrancer: ${adrLabel(number)} ${input.title.trim()}`,
        { signer: options.signer, commit: options.commit },
        async (_tx, ours) => {
          // Under the lock, before ours is written: is another ADR of this node numbered so?
          const taken = (await loadAdrMemories(repo)).some(
            (m) =>
              m.id !== ours.id &&
              m.envelope.signed.type === 'adr' &&
              m.envelope.signed.node === config.node &&
              (m.envelope.signed.body as unknown as AdrBody).number === number,
          );
          if (taken) throw new NumberTaken();
        },
      );
      return {
        record,
        handle: adrLabel(number),
        ...(superseded ? { superseded: superseded.handle } : {}),
      };
    } catch (err) {
      if (!(err instanceof NumberTaken)) throw err;
    }
  }
  throw new RemembrancerError('LOCKED', 'other writers kept taking the next ADR number', {
    exitCode: 1,
    fix: 'run the command again',
  });
}

export async function setAdrStatus(
  repo: Repository,
  wanted: string,
  status: AdrStatus,
  note: string | undefined,
  options: { signer?: Signer | undefined; commit: boolean },
): Promise<{ adr: Adr; record: RecordResult }> {
  const { adrs } = await loadAdrs(repo);
  const adr = findAdr(adrs, wanted);
  if (adr.status === 'superseded') {
    throw new RemembrancerError(
      'USAGE',
      `${adr.handle} is superseded; its status no longer changes`,
      {
        fix: 'change the status of the ADR that superseded it',
      },
    );
  }
  // Events are ordered by their time, in whole seconds: a change made within the same
  // second as the last one is dated a second after it, so the order is the order made.
  const last = Math.max(...adr.history.map((h) => Date.parse(h.created)));
  const created = new Date(Math.max(Date.now(), last + 1000));
  const record = await recordMemory(
    repo,
    (origin) => buildAdrStatus(origin, adr.id, status, note),
    () => `remembrancer: ${adr.handle} ${status}`,
    { ...options, created },
  );
  return { adr, record };
}

export async function linkAdrs(
  repo: Repository,
  fromWanted: string,
  toWanted: string,
  rel: AdrRelation,
  note: string | undefined,
  options: { signer?: Signer | undefined; commit: boolean },
): Promise<{ from: Adr; to: Adr; record: RecordResult }> {
  const { adrs } = await loadAdrs(repo);
  const from = findAdr(adrs, fromWanted);
  const to = findAdr(adrs, toWanted);
  if (from.id === to.id) {
    throw new RemembrancerError('USAGE', 'an ADR cannot be linked to itself', {
      fix: 'name two different ADRs',
    });
  }
  const record = await recordMemory(
    repo,
    (origin) => buildAdrLink(origin, from.id, to.id, rel, note),
    () => `remembrancer: ${from.handle} ${rel} ${to.handle}`,
    options,
  );
  return { from, to, record };
}
