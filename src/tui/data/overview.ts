/**
 * The summaries around the timeline: the header's root and covenant state, ADRs with their
 * history, deployments by component, and the federation peers. Each calls the core
 * function its command uses; none is computed before the first screen is drawn.
 */
import { loadAdrs } from '../../adr/store.js';
import { relationPhrase, type AdrState } from '../../adr/adr.js';
import type { Finding } from '../../policy/covenant.js';
import { checkCovenant as runCovenantOnWorkingTree } from '../../policy/covenant-target.js';
import { merkleRoot } from '../../proof/merkle.js';
import { parseMemoryPath } from '../../ground/paths.js';
import {
  readFederationStatus,
  readPeers,
  type PeerStatus,
  type PeerTier,
} from '../../federation/peers.js';
import type { Repository } from '../../ground/repository.js';
import { ID_BYTES, uint16s, uint32s, type IndexFile } from '../../search/index-file.js';
import { timelineOrder } from '../../search/timeline.js';
import { WorkingTreeSnapshot } from '../../ground/snapshot.js';
import type { TuiSession } from './session.js';

/**
 * The Merkle root over the indexed memories, seals excluded: what `root` prints, which
 * leaves out files that no longer verify (`check`).
 */
export function indexRoot(
  file: IndexFile,
  check?: { current(slot: number): boolean; preload(): void },
): { root: string; treeSize: number } {
  check?.preload();
  const ids = file.section('ids');
  const type = uint16s(file.section('type'));
  const seal = file.header.types.indexOf('seal');
  const hex = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength).toString('hex');
  const free = '0'.repeat(ID_BYTES * 2);
  const kept: string[] = [];
  for (let slot = 0; slot < file.header.slots; slot++) {
    const id = hex.slice(slot * ID_BYTES * 2, (slot + 1) * ID_BYTES * 2);
    if (id !== free && type[slot] !== seal && (!check || check.current(slot))) kept.push(id);
  }
  return merkleRoot(kept);
}

export interface CovenantSummary {
  ok: boolean;
  policy: string;
  memories: number;
  root: string;
  treeSize: number;
  violations: Finding[];
  warnings: number;
  /** Ids of memories a violation names, to mark them in lists. */
  flagged: Set<string>;
}

/** The covenant as `remembrancer covenant` runs it: the working tree against HEAD. */
export async function checkCovenant(repo: Repository): Promise<CovenantSummary> {
  const report = await runCovenantOnWorkingTree(repo);
  const flagged = new Set<string>();
  for (const v of report.violations) {
    const path = v.file?.replace(/^\.remembrancer\//, '');
    const parsed = path ? parseMemoryPath(path) : undefined;
    if (parsed) flagged.add(parsed.id);
  }
  return {
    ok: report.ok,
    policy: report.policy,
    memories: report.memories,
    root: report.root,
    treeSize: report.treeSize,
    violations: report.violations,
    warnings: report.warnings.length,
    flagged,
  };
}

export interface AdrRow {
  id: string;
  handle: string;
  title: string;
  status: AdrState;
  created: string;
  author: string;
  history: { status: string; created: string; author: string; note?: string }[];
  relations: { phrase: string; handle: string; title: string; id: string }[];
}

export async function adrRows(repo: Repository): Promise<AdrRow[]> {
  const { adrs } = await loadAdrs(repo);
  return adrs.map((a) => ({
    id: a.id,
    handle: a.handle,
    title: a.title,
    status: a.status,
    created: a.created,
    author: a.author,
    history: a.history.map((h) => ({
      status: h.status,
      created: h.created,
      author: h.author,
      ...(h.note ? { note: h.note } : {}),
    })),
    relations: a.relations.map((r) => ({
      phrase: relationPhrase(r),
      handle: r.handle,
      title: r.title,
      id: r.id,
    })),
  }));
}

export interface ComponentDeploys {
  component: string;
  count: number;
  /** Ids of its deploy receipts, newest first. */
  ids: string[];
}

/** Deploy receipts grouped by component, the most recently deployed component first. */
export function deploymentsByComponent(session: TuiSession): ComponentDeploys[] {
  const file = session.index;
  if (file.header.live === 0 || !file.header.types.includes('deploy')) return [];
  const order = timelineOrder(file, { types: ['deploy'] });
  const component = uint32s(file.section('component'));
  const ids = file.section('ids');
  const groups = new Map<number, ComponentDeploys>();
  for (const slot of order) {
    const code = component[slot] as number;
    let group = groups.get(code);
    if (!group) {
      const name = code === 0 ? '(none)' : (file.header.components[code - 1] ?? '?');
      groups.set(code, (group = { component: name, count: 0, ids: [] }));
    }
    group.count++;
    group.ids.push(
      Buffer.from(ids.subarray(slot * ID_BYTES, (slot + 1) * ID_BYTES)).toString('hex'),
    );
  }
  return [...groups.values()];
}

export interface PeerRow {
  name: string;
  url: string;
  tier: PeerTier;
  scope: string;
  keys: number;
  status: PeerStatus;
}

/** Peers from peers.json (none when it is absent) with this clone's last sync of each. */
export async function federationRows(repo: Repository): Promise<PeerRow[]> {
  const peers = await readPeers(new WorkingTreeSnapshot(repo.remDir));
  const status = readFederationStatus(repo);
  return peers.map((p) => ({
    name: p.name,
    url: p.url,
    tier: p.tier,
    scope: p.scope ? p.scope.join(', ') : 'all types',
    keys: p.keys.length,
    status: status[p.name] ?? {},
  }));
}
