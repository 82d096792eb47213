/**
 * Federation nodes for end-to-end tests: a real repository per node with its own signing
 * key, peers added and synced through the real CLI, and plain-git plumbing to craft what
 * only a hostile peer would commit.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { Sandbox, sandboxTracker } from './cli.js';
import { defaultKey, type KeyFiles } from './craft.js';

const track = sandboxTracker();

export interface Node {
  s: Sandbox;
  name: string;
  key: KeyFiles;
}

export interface Rejected {
  id?: string;
  path: string;
  reason: string;
}

export interface Outcome {
  peer: string;
  status: string;
  peerCommit: string;
  accepted: string[];
  updated: string[];
  rejected: Rejected[];
  ignored: number;
  warnings: string[];
  before: { ours: { root: string }; peer: { root: string } };
  merged: { root: string; treeSize: number };
  receipt?: string;
  commit?: string;
}

export type SyncJson = {
  peers: (Outcome | { peer: string; error: { code: string; message: string } })[];
};

export async function makeNode(
  name: string,
  policy: 'strict' | 'permissive' = 'strict',
): Promise<Node> {
  const s = track(new Sandbox());
  await s.gitInit();
  await s.ok(['init', '--name', name, '--policy', policy]);
  const { fingerprint } = await s.json<{ fingerprint: string }>([
    'key',
    'generate',
    '--name',
    `${name} signer`,
    '--email',
    `${name}@example.com`,
    '--trust',
  ]);
  return { s, name, key: defaultKey(s, fingerprint) };
}

/** A copy of a prepared node in a fresh folder (its key files stay where they were). */
export function forkNode(node: Node): Node {
  return { ...node, s: track(node.s.fork()) };
}

export async function decide(node: Node, text: string): Promise<string> {
  return (await node.s.json<{ id: string }>(['record', 'decision', text])).id;
}

export async function peer(ours: Node, theirs: Node, extra: string[] = [], url = theirs.s.repo) {
  await ours.s.ok([
    'federation',
    'add',
    theirs.name,
    url,
    '--key',
    theirs.key.publicFile,
    ...extra,
  ]);
}

export async function sync(node: Node, name: string, extra: string[] = []): Promise<Outcome> {
  const out = await node.s.json<SyncJson>(['federation', 'sync', name, ...extra]);
  const first = out.peers[0];
  if (!first || 'error' in first) throw new Error(`sync ${name} failed: ${JSON.stringify(out)}`);
  return first;
}

export async function memoriesTree(node: Node): Promise<string> {
  return (await node.s.git(['rev-parse', 'HEAD:.remembrancer/memories'])).trim();
}

export async function rootOf(node: Node): Promise<string> {
  return (await node.s.json<{ root: string }>(['root'])).root;
}

export async function covenantHolds(node: Node): Promise<void> {
  const r = await node.s.run(['covenant']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
}

export function gitIn(node: Node, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: node.s.repo, env: node.s.env, input }).toString().trim();
}

/**
 * Commits a copy of HEAD whose tree at `dir` gains a blob entry called `name` (such as
 * ".."), which no working tree can hold: only a hostile peer's plumbing makes it.
 */
export async function replaceTreeEntry(node: Node, dir: string, name: string): Promise<void> {
  const blob = gitIn(node, ['hash-object', '-w', '--stdin'], 'not a memory\n');
  const parts = dir.split('/');
  const rebuild = (depth: number): string => {
    const path = parts.slice(0, depth).join('/');
    const listing = gitIn(node, ['ls-tree', `HEAD${path ? ':' + path : '^{tree}'}`]);
    let lines = listing.split('\n').filter(Boolean);
    if (depth === parts.length) lines.push(`100644 blob ${blob}\t${name}`);
    else {
      const child = parts[depth] as string;
      const oid = rebuild(depth + 1);
      lines = lines.map((l) => (l.endsWith(`\t${child}`) ? `040000 tree ${oid}\t${child}` : l));
    }
    return gitIn(node, ['mktree'], lines.join('\n') + '\n');
  };
  const tree = rebuild(0);
  const commit = gitIn(node, ['commit-tree', tree, '-p', 'HEAD', '-m', `add ${name}`]);
  gitIn(node, ['update-ref', 'refs/heads/main', commit]);
}

/** Commits whatever the test crafted in a peer's repository with plain git. */
export async function commitAll(node: Node, message: string): Promise<void> {
  await node.s.git(['add', '-A']);
  await node.s.git(['commit', '-q', '-m', message]);
}
