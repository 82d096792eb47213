/** What the TUI's components are given: the repository's data, through core functions only. */
import type { Repository } from '../../ground/repository.js';
import { DetailLoader } from './detail.js';
import {
  adrRows,
  checkCovenant,
  deploymentsByComponent,
  federationRows,
  indexRoot,
  type AdrRow,
  type ComponentDeploys,
  type CovenantSummary,
  type PeerRow,
} from './overview.js';
import { TuiSession } from './session.js';

export type { DetailResult, MemoryDetail, BrokenMemory, SealState } from './detail.js';
export type { AdrRow, ComponentDeploys, CovenantSummary, PeerRow } from './overview.js';
export type { ListItem, ListSource } from './session.js';

export interface TuiData {
  session: TuiSession;
  detail(id: string): ReturnType<DetailLoader['load']>;
  root(): { root: string; treeSize: number };
  covenant(): Promise<CovenantSummary>;
  adrs(): Promise<AdrRow[]>;
  deployments(): ComponentDeploys[];
  federation(): Promise<PeerRow[]>;
  close(): void;
}

export async function openTuiData(repo: Repository): Promise<TuiData> {
  const session = await TuiSession.open(repo);
  const details = new DetailLoader(repo);
  return {
    session,
    detail: (id) => details.load(id),
    root: () => indexRoot(session.index, session.check),
    covenant: () => checkCovenant(repo),
    adrs: () => adrRows(repo),
    deployments: () => deploymentsByComponent(session),
    federation: () => federationRows(repo),
    close: () => session.close(),
  };
}
