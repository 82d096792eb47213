/**
 * `remembrancer mcp` driven by the MCP SDK's own client, as an agent's host would: over
 * stdio (the client spawns the built bin) and over Streamable HTTP. Every tool is called
 * and its answer checked against what the CLI says about the same repository.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { BIN, head, memoryFiles, Sandbox, sandboxTracker, subject } from '../helpers/cli.js';
import {
  call,
  callError,
  connectHttp,
  connectStdio,
  startHttp,
  type HttpServer,
  type StdioServer,
} from '../helpers/mcp.js';

const track = sandboxTracker();
const TOOLS = [
  'covenant_status',
  'create_adr',
  'get_memory',
  'health',
  'list_memory_ids',
  'list_peers',
  'merkle_root',
  'record_decision',
  'search_memories',
  'verify_artifact',
];
const WRITERS = ['create_adr', 'record_decision'];

interface Written {
  id: string;
  type: string;
  path: string;
  write: string;
  signers: string[];
  commit: string | null;
  handle?: string;
}

let base: Sandbox;
let fingerprint: string;
let decisionId: string;
let deployId: string;

beforeAll(async () => {
  base = track(new Sandbox());
  fingerprint = await base.initSigned();
  base.write('dist/api.tgz', 'the api artifact, version 1.4.2');
  deployId = (
    await base.json<{ id: string }>([
      'record',
      'deploy',
      '--component',
      'api',
      '--version',
      '1.4.2',
      '--evidence',
      'dist/api.tgz',
    ])
  ).id;
  decisionId = (
    await base.json<{ id: string }>([
      'record',
      'decision',
      'Use Postgres 16 for the ledger: we need serializable transactions',
      '--tag',
      'database',
    ])
  ).id;
  await base.ok(['record', 'decision', 'Freeze deploys on Fridays', '--tag', 'process']);
});

describe('over stdio', () => {
  let server: StdioServer;
  let client: Client;
  let s: Sandbox;

  beforeAll(async () => {
    s = track(base.fork());
    server = await connectStdio(s);
    client = server.client;
  });
  afterAll(async () => server.close());

  it('lists the ten tools, each with an input and an output schema, and the memory resource', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations?.readOnlyHint, tool.name).toBe(!WRITERS.includes(tool.name));
    }
    const search = tools.find((t) => t.name === 'search_memories');
    expect(search?.inputSchema.required).toEqual(['query']);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(['remembrancer://memory/{id}']);
  });

  it('health describes the repository', async () => {
    const h = await call(client, 'health');
    expect(h).toMatchObject({
      ok: true,
      repository: s.repo,
      node: 'test-node',
      policy: 'strict',
      memories: 3,
      invalidFiles: 0,
      trustAnchors: 1,
      readOnly: false,
    });
  });

  it('search_memories ranks, filters and snips like `query`', async () => {
    const found = await call<{ total: number; results: { id: string; snippet: string }[] }>(
      client,
      'search_memories',
      { query: 'postgres ledger' },
    );
    expect(found.total).toBe(1);
    expect(found.results[0]?.id).toBe(decisionId);
    expect(found.results[0]?.snippet).toContain('serializable');
    const cli = await s.json<{ id: string; score: number }[]>(['query', 'postgres', 'ledger']);
    expect(found.results.map((r) => r.id)).toEqual(cli.map((r) => r.id));

    const deploys = await call<{ results: { id: string; type: string }[] }>(
      client,
      'search_memories',
      { query: 'api', type: 'deployments' },
    );
    expect(deploys.results.map((r) => r.id)).toEqual([deployId]);
    const none = await call<{ total: number }>(client, 'search_memories', {
      query: 'postgres',
      since: 'tomorrow',
    });
    expect(none.total).toBe(0);
  });

  it('get_memory returns the envelope and checks its signature; a prefix is enough', async () => {
    const got = await call<{
      id: string;
      summary: string;
      envelope: { signed: { type: string; body: { tags: string[] } } };
      verification: { ok: boolean; signatures: { keyid: string; state: string }[] };
    }>(client, 'get_memory', { id: decisionId.slice(0, 8) });
    expect(got.id).toBe(decisionId);
    expect(got.envelope.signed.type).toBe('decision');
    expect(got.envelope.signed.body.tags).toEqual(['database']);
    expect(got.verification.ok).toBe(true);
    expect(got.verification.signatures).toEqual([
      expect.objectContaining({ keyid: fingerprint, state: 'valid' }),
    ]);
    expect(await callError(client, 'get_memory', { id: '0000ffff' })).toMatch(
      /^MEMORY_NOT_FOUND: no memory has an id starting with 0000ffff/,
    );
  });

  it('list_memory_ids pages through every memory, newest first', async () => {
    const first = await call<{
      total: number;
      nextOffset: number | null;
      memories: { id: string }[];
    }>(client, 'list_memory_ids', { limit: 2 });
    expect(first.total).toBe(3);
    expect(first.memories).toHaveLength(2);
    expect(first.nextOffset).toBe(2);
    const second = await call<{ nextOffset: number | null; memories: { id: string }[] }>(
      client,
      'list_memory_ids',
      { limit: 2, offset: 2 },
    );
    expect(second.nextOffset).toBeNull();
    const all = [...first.memories, ...second.memories].map((m) => m.id);
    expect(new Set(all).size).toBe(3);
    expect(all).toEqual(expect.arrayContaining([decisionId, deployId]));
    const decisions = await call<{ total: number }>(client, 'list_memory_ids', {
      type: 'decision',
    });
    expect(decisions.total).toBe(2);
  });

  it('verify_artifact knows a file in the repository and a digest, and says why not', async () => {
    const byPath = await call<{ ok: boolean; source: string; receipts: { id: string }[] }>(
      client,
      'verify_artifact',
      { path: 'dist/api.tgz' },
    );
    expect(byPath).toMatchObject({ ok: true, source: 'file' });
    expect(byPath.receipts.map((r) => r.id)).toEqual([deployId]);
    const sha = createHash('sha256').update('the api artifact, version 1.4.2').digest('hex');
    const byDigest = await call<{ ok: boolean; sha256: string }>(client, 'verify_artifact', {
      sha256: `sha256:${sha}`,
    });
    expect(byDigest).toMatchObject({ ok: true, sha256: sha });
    const unknown = await call<{ ok: boolean; reason: string }>(client, 'verify_artifact', {
      sha256: 'a'.repeat(64),
    });
    expect(unknown.ok).toBe(false);
    expect(unknown.reason).toBe(`no receipt names sha256 ${'a'.repeat(64)}`);
  });

  it('refuses paths outside the repository, by .. or through a symbolic link', async () => {
    writeFileSync(join(s.dir, 'outside.txt'), 'not in the repository');
    expect(await callError(client, 'verify_artifact', { path: '../outside.txt' })).toMatch(
      /^PATH_OUTSIDE_REPOSITORY: the path is outside the repository \(\.\.\/outside\.txt\)/,
    );
    expect(
      await callError(client, 'verify_artifact', { path: join(s.dir, 'outside.txt') }),
    ).toMatch(/^PATH_OUTSIDE_REPOSITORY/);
    symlinkSync(join(s.dir, 'outside.txt'), join(s.repo, 'link.txt'));
    expect(await callError(client, 'verify_artifact', { path: 'link.txt' })).toMatch(
      /^PATH_OUTSIDE_REPOSITORY: the path leads out of the repository through a symbolic link/,
    );
    expect(await callError(client, 'verify_artifact', {})).toMatch(
      /^USAGE: give exactly one of sha256 and path/,
    );
  });

  it('merkle_root matches `root`, now and at a commit', async () => {
    const now = await call<{ root: string; treeSize: number; commit: string | null }>(
      client,
      'merkle_root',
    );
    const cli = await s.json<{ root: string; treeSize: number }>(['root']);
    expect(now).toMatchObject({ root: cli.root, treeSize: 3, commit: null });
    const first = (await s.git(['rev-list', '--max-parents=0', 'HEAD'])).trim();
    const then = await call<{ root: string; treeSize: number; commit: string }>(
      client,
      'merkle_root',
      { at: first },
    );
    expect(then).toMatchObject({ treeSize: 0, commit: first });
    expect(await callError(client, 'merkle_root', { at: 'no-such-tag' })).toMatch(/^[A-Z_]+: /);
  });

  it('covenant_status holds, and names the file when a memory is altered', async () => {
    const holds = await call<{ ok: boolean; memories: number; policy: string }>(
      client,
      'covenant_status',
    );
    expect(holds).toMatchObject({ ok: true, memories: 3, policy: 'strict' });
    const file = (await memoryFiles(s)).find((f) => f.includes(decisionId)) as string;
    const original = s.read(file);
    s.write(file, original.replace('Postgres 16', 'Postgres 17'));
    try {
      const broken = await call<{
        ok: boolean;
        violations: { rule: string; file: string | null }[];
      }>(client, 'covenant_status');
      expect(broken.ok).toBe(false);
      expect(broken.violations).toEqual(
        expect.arrayContaining([expect.objectContaining({ rule: 'integrity', file })]),
      );
    } finally {
      s.write(file, original);
    }
  });

  it('list_peers is empty without peers.json, and lists the peers it holds', async () => {
    expect(await call(client, 'list_peers')).toEqual({ peers: [] });
    s.write(
      '.remembrancer/peers.json',
      JSON.stringify({
        schema: 1,
        peers: [
          { name: 'payments', url: '../payments', ref: 'refs/heads/main', tier: 'core', keys: [] },
        ],
      }),
    );
    try {
      expect(await call(client, 'list_peers')).toEqual({
        peers: [
          {
            name: 'payments',
            url: '../payments',
            ref: 'refs/heads/main',
            tier: 'core',
            scope: null,
            keys: [],
            lastSync: null,
          },
        ],
      });
      // The last sync as the federation records it, with a field this server does not name:
      // output schemas are loose, as --json shapes are, so the client still accepts it.
      const lastSync = {
        lastAttempt: '2026-11-25T08:00:00Z',
        lastSuccess: '2026-11-25T08:00:00Z',
        counts: { fetched: 3, accepted: 2, rejected: 1, ignored: 0 },
        viewTree: 'f'.repeat(40),
      };
      writeFileSync(
        join(s.repo, '.git', 'remembrancer', 'federation-status.json'),
        JSON.stringify({ peers: { payments: lastSync } }),
      );
      const listed = await call<{ peers: { lastSync: unknown }[] }>(client, 'list_peers');
      expect(listed.peers[0]?.lastSync).toEqual(lastSync);
    } finally {
      s.write('.remembrancer/peers.json', '{"schema": 1, "peers": [{"name": "!"}]}');
      expect(await callError(client, 'list_peers')).toMatch(/^SCHEMA_VIOLATION: /);
      await s.git(['clean', '-fq', '.remembrancer/peers.json']);
    }
  });

  it('record_decision signs, commits and is found by the next search', async () => {
    const before = await head(s);
    const rec = await call<Written>(client, 'record_decision', {
      text: 'Adopt trunk-based development',
      tags: ['Process', 'git'],
    });
    expect(rec).toMatchObject({ type: 'decision', write: 'created', signers: [fingerprint] });
    expect(rec.commit).toBe(await head(s));
    expect(rec.commit).not.toBe(before);
    expect(await subject(s)).toBe('remembrancer: decision Adopt trunk-based development');
    const shown = await s.json<{ envelope: { signed: { body: { tags: string[] } } } }>([
      'show',
      rec.id,
    ]);
    expect(shown.envelope.signed.body.tags).toEqual(['git', 'process']);
    const found = await call<{ results: { id: string }[] }>(client, 'search_memories', {
      query: 'trunk',
    });
    expect(found.results.map((r) => r.id)).toEqual([rec.id]);
    await s.ok(['covenant']);
  });

  it('create_adr numbers, signs and commits an ADR that `adr list` shows', async () => {
    const adr = await call<Written>(client, 'create_adr', {
      title: 'Adopt OpenTelemetry',
      context: 'Traces stop at service borders',
      decision: 'Instrument every service with OpenTelemetry',
      status: 'accepted',
    });
    expect(adr).toMatchObject({ handle: 'ADR-0001', type: 'adr', signers: [fingerprint] });
    expect(await subject(s)).toBe('remembrancer: ADR-0001 Adopt OpenTelemetry');
    const listed = await s.json<{ handle: string; status: string; title: string }[]>([
      'adr',
      'list',
    ]);
    expect(listed).toEqual([
      expect.objectContaining({
        handle: 'ADR-0001',
        status: 'accepted',
        title: 'Adopt OpenTelemetry',
      }),
    ]);
    const before = await s.state();
    expect(await callError(client, 'create_adr', { title: 'Say nothing' })).toMatch(
      /^USAGE: say what was decided/,
    );
    expect(await s.state()).toBe(before);
  });

  it('a bad argument is an MCP error that changes nothing, and the server goes on', async () => {
    const before = await s.state();
    expect(await callError(client, 'search_memories', { query: 'x', limit: 'many' })).toMatch(
      /-32602.*Input validation error.*limit/,
    );
    expect(await callError(client, 'search_memories', {})).toMatch(/-32602.*query/);
    expect(await callError(client, 'get_memory', { id: 'not hex' })).toMatch(/-32602/);
    expect(await callError(client, 'search_memories', { query: 'x', type: 'recipe' })).toMatch(
      /^USAGE: unknown memory type "recipe"/,
    );
    expect(await callError(client, 'record_decision', { text: 'x', tags: ['no spaces'] })).toMatch(
      /^USAGE: tag "no spaces" has characters a tag cannot hold/,
    );
    expect(await callError(client, 'no_such_tool')).toMatch(/no_such_tool not found/);
    expect(await s.state()).toBe(before);
    expect(await call(client, 'health')).toMatchObject({ ok: true });
  });

  it('serves memories as resources, byte for byte as the file', async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain(`remembrancer://memory/${decisionId}`);
    const read = await client.readResource({
      uri: `remembrancer://memory/${decisionId.slice(0, 10)}`,
    });
    const file = (await memoryFiles(s)).find((f) => f.includes(decisionId)) as string;
    expect(read.contents).toEqual([
      {
        uri: `remembrancer://memory/${decisionId}`,
        mimeType: 'application/json',
        text: s.read(file),
      },
    ]);
    await expect(client.readResource({ uri: 'remembrancer://memory/0000ffff' })).rejects.toThrow(
      /-32002.*MEMORY_NOT_FOUND/,
    );
  });
});

describe('--read-only', () => {
  it('offers no writing tool, and a write is refused without touching the repository', async () => {
    const s = track(base.fork());
    const server = await connectStdio(s, ['--read-only']);
    try {
      const { tools } = await server.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS.filter((t) => !WRITERS.includes(t)));
      const before = await s.state();
      expect(await callError(server.client, 'record_decision', { text: 'Sneak this in' })).toMatch(
        /Tool record_decision not found/,
      );
      expect(await callError(server.client, 'create_adr', { title: 'T', decision: 'D' })).toMatch(
        /Tool create_adr not found/,
      );
      expect(await s.state()).toBe(before);
      expect(await call(server.client, 'health')).toMatchObject({ readOnly: true });
    } finally {
      await server.close();
    }
  });
});

describe('writing without a signing key', () => {
  it('is a tool error under the strict policy, and nothing is written', async () => {
    const s = track(base.fork());
    const server = await connectStdio(s, [], { XDG_CONFIG_HOME: join(s.dir, 'empty-config') });
    try {
      const before = await s.state();
      expect(await callError(server.client, 'record_decision', { text: 'Unsigned?' })).toMatch(
        /^SIGNER_REQUIRED: the strict policy requires a signature/,
      );
      expect(await s.state()).toBe(before);
    } finally {
      await server.close();
    }
  });
});

describe('over Streamable HTTP', () => {
  let s: Sandbox;
  let server: HttpServer;

  beforeAll(async () => {
    s = track(base.fork());
    server = await startHttp(s);
  });
  afterAll(async () => server.stop());

  it('prints where it listens (127.0.0.1) and a token, once, on stderr', () => {
    expect(server.url.hostname).toBe('127.0.0.1');
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(server.stderr().split(server.token as string)).toHaveLength(2);
  });

  it('answers a client with the token: tools, a search, a write', async () => {
    const client = await connectHttp(server.url, { Authorization: `Bearer ${server.token}` });
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
      const found = await call<{ results: { id: string }[] }>(client, 'search_memories', {
        query: 'postgres',
      });
      expect(found.results.map((r) => r.id)).toEqual([decisionId]);
      const rec = await call<Written>(client, 'record_decision', { text: 'Decided over HTTP' });
      expect(rec.commit).toBe(await head(s));
      expect(await callError(client, 'get_memory', { id: 'zz' })).toMatch(/-32602/);
    } finally {
      await client.close();
    }
  });

  it('refuses a missing or wrong token with 401, and the SDK client cannot connect', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    const missing = await fetch(server.url, { method: 'POST', headers, body });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, authorization: `Bearer ${'x'.repeat(43)}` },
      body,
    });
    expect(wrong.status).toBe(401);
    await expect(connectHttp(server.url, {})).rejects.toThrow();
    await expect(
      connectHttp(server.url, { Authorization: `Bearer ${server.token}x` }),
    ).rejects.toThrow();
  });

  it('refuses a foreign Origin or Host with 403, even with the token', async () => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${server.token}`,
    };
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const foreign = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, origin: 'https://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain('foreign Origin https://evil.example');
    await expect(
      connectHttp(server.url, {
        Authorization: `Bearer ${server.token}`,
        Origin: 'http://evil.example',
      }),
    ).rejects.toThrow();
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 sends that name as Host.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request(
        server.url,
        { method: 'POST', headers: { ...headers, host: `evil.example:${server.url.port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(rebound).toBe(403);
    const local = await connectHttp(server.url, {
      Authorization: `Bearer ${server.token}`,
      Origin: `http://localhost:${server.url.port}`,
    });
    expect(await call(local, 'health')).toMatchObject({ ok: true });
    await local.close();
  });

  it('answers GET with 405, a body that is not JSON with -32700, and goes on serving', async () => {
    const auth = { authorization: `Bearer ${server.token}` };
    const get = await fetch(server.url, { headers: { ...auth, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const garbage = await fetch(server.url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{"jsonrpc": "2.0", "id": 1,',
    });
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toMatchObject({ error: { code: -32700 } });
    const elsewhere = await fetch(new URL('/other', server.url), { headers: auth });
    expect(elsewhere.status).toBe(404);
    const client = await connectHttp(server.url, { Authorization: `Bearer ${server.token}` });
    expect(await call(client, 'health')).toMatchObject({ ok: true });
    await client.close();
  });

  it('takes its token from REMEMBRANCER_MCP_TOKEN and then prints none; read-only works too', async () => {
    const token = 'a-long-token-chosen-by-the-operator';
    const other = await startHttp(s, ['--read-only'], { REMEMBRANCER_MCP_TOKEN: token });
    try {
      expect(other.token).toBeUndefined();
      expect(other.stderr()).not.toContain(token);
      const client = await connectHttp(other.url, { Authorization: `Bearer ${token}` });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).not.toContain('record_decision');
      await client.close();
    } finally {
      await other.stop();
    }
  });
});

describe('usage', () => {
  it('refuses a short token, and --port without --http, with exit 2', async () => {
    const short = await base.run(['mcp', '--http'], { env: { REMEMBRANCER_MCP_TOKEN: 'short' } });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/^error: REMEMBRANCER_MCP_TOKEN is shorter than 16 characters/);
    const port = await base.run(['mcp', '--port', '9000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^error: --port and --host only apply with --http/);
  });
});

describe('robustness and start-up cost', () => {
  it('a line that is not JSON-RPC is reported on stderr and the next request is answered', async () => {
    const s = track(base.fork());
    const child = spawn(process.execPath, [BIN, 'mcp', '--read-only'], {
      cwd: s.repo,
      env: s.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.write('this is not json\n');
    child.stdin.write(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'raw', version: '1' },
        },
      }) + '\n',
    );
    for (let i = 0; i < 100 && !stdout.includes('\n'); i++) await sleep(50);
    child.stdin.end();
    expect(await exited).toBe(0);
    const answer = JSON.parse(stdout.split('\n')[0] as string) as {
      id: number;
      result: { serverInfo: { name: string } };
    };
    expect(answer).toMatchObject({ id: 1, result: { serverInfo: { name: 'remembrancer' } } });
    expect(stderr).toMatch(/remembrancer mcp: .*JSON/i);
  });

  it('--help never loads the MCP SDK or zod: they are reached only through the mcp command', () => {
    const dist = join(BIN, '..', '..', 'dist');
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import\s(?:[^;]*?from\s*)?"(\.[^"]+)"/gm)) {
        walk(join(dirname(file), m[1] as string));
      }
    };
    walk(join(dist, 'cli.js'));
    const app = readFileSync(join(dist, 'cli.js'), 'utf8').match(
      /import\("\.\/(chunks\/app-[^"]+)"\)/,
    );
    walk(join(dist, app?.[1] as string));
    expect(seen.size).toBeGreaterThan(2);
    for (const file of seen) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/McpServer|ZodType/);
    }
  });
});
