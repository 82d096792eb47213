/**
 * Trust anchors: the public keys in .remembrancer/trust/keys/<FPR>.asc of a snapshot.
 * A file is only an anchor if it holds exactly one public key whose fingerprint is its name.
 */
import type { PublicKey } from '../crypto/openpgp.js';
import { describeKey, fingerprintOf, readPublicKey, type KeyInfo } from '../crypto/openpgp.js';
import { RemembrancerError } from '../ground/errors.js';
import { repoRelative, TRUST_KEYS_DIR, TRUST_PEERS_DIR, TRUST_TSA_DIR } from '../ground/paths.js';
import type { Certificate } from 'pkijs';
import type { TokenVerifier } from '../crypto/rfc3161.js';
import type { Snapshot } from '../ground/snapshot.js';
import { readConfig } from '../store/config.js';
import { PEERS_FILE, readPeers, type Peer } from '../federation/peers.js';

const KEY_FILE = /^trust\/keys\/([0-9A-F]{40})\.asc$/;
const PEER_KEY_FILE = /^trust\/peers\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\/([0-9A-F]{40})\.asc$/;
const TSA_FILE = /^trust\/tsa\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.pem$/;
const MAX_KEY_BYTES = 256 * 1024;

export interface TrustedKey {
  fingerprint: string;
  /** Path relative to .remembrancer/. */
  path: string;
  key: PublicKey;
  /** The peer this key is trusted for; undefined for the node's own trust anchors. */
  peer?: string;
  /** Nodes this key may sign for as a peer's key (peers.json `node`, else the peer's name). */
  peerNodes?: Set<string>;
}

/**
 * Which nodes a key may speak for. A memory says which node made it; a signature counts only
 * when its key is bound to that node: a peer's keys to the node of that peer in our
 * peers.json (never what the peer's own config says), our anchors to every node no peer is
 * bound to (our own name included, whatever it was when an old memory was made).
 */
export interface NodeBinding {
  /** This node's name (config.json), which no peer may claim. */
  own: string | undefined;
  /** Node names some peer speaks for. */
  peerNodes: Set<string>;
}

export interface TrustedTsa {
  name: string;
  /** Path relative to .remembrancer/. */
  path: string;
  pem: string;
}

export class TrustStore {
  private certificates: Promise<Certificate[]> | undefined;

  private constructor(
    readonly keys: Map<string, TrustedKey>,
    readonly problems: RemembrancerError[],
    readonly tsaRoots: Map<string, TrustedTsa> = new Map(),
    readonly binding: NodeBinding = { own: undefined, peerNodes: new Set() },
  ) {}

  /**
   * Why this key may not sign a memory in `node`'s name, or undefined when it may (or when
   * the key is not trusted at all, which the caller reports as such).
   */
  bindingProblem(fingerprint: string, node: string): string | undefined {
    const key = this.keys.get(fingerprint);
    if (!key) return undefined;
    if (key.peerNodes?.has(node)) return undefined;
    const anchor = key.peer === undefined;
    if (anchor && !this.binding.peerNodes.has(node)) return undefined;
    const allowed = [...(key.peerNodes ?? [])];
    const speaks = anchor
      ? `it is a trust anchor of this node, and "${node}" is a peer's node`
      : `it is trusted for ${allowed.map((n) => `node "${n}"`).join(', ') || 'no node'}`;
    return `key ${fingerprint} may not sign in the name of node "${node}": ${speaks}`;
  }

  static empty(): TrustStore {
    return new TrustStore(new Map(), []);
  }

  /** A trust store made of given keys and TSA roots (an evidence bundle's, or --trust's). */
  static of(keys: PublicKey[], tsaRoots: TrustedTsa[] = []): TrustStore {
    const map = new Map<string, TrustedKey>();
    for (const key of keys) {
      const fingerprint = fingerprintOf(key);
      map.set(fingerprint, { fingerprint, path: `trust/keys/${fingerprint}.asc`, key });
    }
    return new TrustStore(map, [], new Map(tsaRoots.map((t) => [t.name, t])));
  }

  private verifier: Promise<TokenVerifier> | undefined;

  /** One token verifier for this trust store, so chains are validated once per TSA. */
  tokenVerifier(): Promise<TokenVerifier> {
    this.verifier ??= (async () => {
      const { TokenVerifier } = await import('../crypto/rfc3161.js');
      return new TokenVerifier(await this.tsaCertificates());
    })();
    return this.verifier;
  }

  /** The trusted TSA root certificates, parsed (pkijs loads on first call). */
  tsaCertificates(): Promise<Certificate[]> {
    this.certificates ??= (async () => {
      if (this.tsaRoots.size === 0) return [];
      const { parseCertificates } = await import('../crypto/rfc3161.js');
      const all: Certificate[] = [];
      for (const root of this.tsaRoots.values())
        all.push(...(await parseCertificates(Buffer.from(root.pem))));
      return all;
    })();
    return this.certificates;
  }

  static async load(snapshot: Snapshot): Promise<TrustStore> {
    const keys = new Map<string, TrustedKey>();
    const problems: RemembrancerError[] = [];
    // A broken config.json or peers.json is reported by the covenant's integrity rule; here
    // it only means the peer keys fall back to the node named like their folder.
    const own = await readConfig(snapshot).then(
      (c) => c?.node,
      () => undefined,
    );
    const peerList = await readPeers(snapshot).catch(() => [] as Peer[]);
    const nodeOfPeer = new Map<string, string>();
    for (const p of peerList) {
      if (own !== undefined && p.node === own) {
        problems.push(
          new RemembrancerError(
            'SCHEMA_VIOLATION',
            `peer "${p.name}" claims this node's own name "${own}"`,
            {
              file: repoRelative(PEERS_FILE),
              fix: 'a peer speaks for another node: set its "node" to the name it records under',
            },
          ),
        );
        continue;
      }
      nodeOfPeer.set(p.name, p.node);
    }
    const readKey = async (path: string, expected: string): Promise<PublicKey | undefined> => {
      const file = repoRelative(path);
      try {
        const bytes = await snapshot.read(path, MAX_KEY_BYTES);
        const text = Buffer.from(bytes ?? new Uint8Array()).toString('utf8');
        const key = await readPublicKey(text, file);
        const fingerprint = fingerprintOf(key);
        if (fingerprint !== expected) {
          throw new RemembrancerError(
            'KEY_UNREADABLE',
            `holds key ${fingerprint}, not the one its name says`,
            {
              file,
              fix: 'remove the file and add the key again with `remembrancer trust add`',
            },
          );
        }
        return key;
      } catch (err) {
        if (err instanceof RemembrancerError) problems.push(err);
        else throw err;
        return undefined;
      }
    };
    for (const entry of await snapshot.list(TRUST_KEYS_DIR + '/')) {
      const m = KEY_FILE.exec(entry.path);
      if (!m || entry.kind !== 'file') {
        problems.push(
          new RemembrancerError('UNEXPECTED_FILE', 'not a trust anchor file name', {
            file: repoRelative(entry.path),
            fix: 'trust keys are named <40 hex fingerprint>.asc; use `remembrancer trust add`',
          }),
        );
        continue;
      }
      const key = await readKey(entry.path, m[1] as string);
      if (key) keys.set(m[1] as string, { fingerprint: m[1] as string, path: entry.path, key });
    }
    // Keys trusted for a peer sign what that peer's node made, from any route (gossip), so
    // they join the anchors here, each bound to its node.
    const peerNodes = new Set<string>();
    for (const p of nodeOfPeer.values()) peerNodes.add(p);
    for (const entry of await snapshot.list(TRUST_PEERS_DIR + '/')) {
      const m = PEER_KEY_FILE.exec(entry.path);
      if (!m || entry.kind !== 'file') {
        problems.push(
          new RemembrancerError('UNEXPECTED_FILE', 'not a peer key file name', {
            file: repoRelative(entry.path),
            fix: 'peer keys are trust/peers/<peer>/<40 hex fingerprint>.asc; use `remembrancer federation add --key`',
          }),
        );
        continue;
      }
      const [, peer, fingerprint] = m as unknown as [string, string, string];
      const node = nodeOfPeer.get(peer) ?? (own === peer ? undefined : peer);
      if (node !== undefined) peerNodes.add(node);
      const known = keys.get(fingerprint);
      if (known) {
        if (node !== undefined) (known.peerNodes ??= new Set()).add(node);
        continue;
      }
      const key = await readKey(entry.path, fingerprint);
      if (key)
        keys.set(fingerprint, {
          fingerprint,
          path: entry.path,
          key,
          peer,
          peerNodes: new Set(node !== undefined ? [node] : []),
        });
    }
    const tsaRoots = new Map<string, TrustedTsa>();
    for (const entry of await snapshot.list(TRUST_TSA_DIR + '/')) {
      const file = repoRelative(entry.path);
      const m = TSA_FILE.exec(entry.path);
      const bytes =
        m && entry.kind === 'file' ? await snapshot.read(entry.path, MAX_KEY_BYTES) : undefined;
      const pem = bytes ? Buffer.from(bytes).toString('utf8') : '';
      if (!m || !/-----BEGIN CERTIFICATE-----/.test(pem)) {
        problems.push(
          new RemembrancerError(
            'UNEXPECTED_FILE',
            'not a TSA root certificate (<name>.pem holding a PEM certificate)',
            {
              file,
              fix: 'add TSA roots with `remembrancer trust add-tsa CERT.pem`',
            },
          ),
        );
        continue;
      }
      tsaRoots.set(m[1] as string, { name: m[1] as string, path: entry.path, pem });
    }
    return new TrustStore(keys, problems, tsaRoots, { own, peerNodes });
  }

  get(fingerprint: string): TrustedKey | undefined {
    return this.keys.get(fingerprint);
  }

  has(fingerprint: string): boolean {
    return this.keys.has(fingerprint);
  }

  /** The same keys, each trusted for the same nodes: signatures judge alike under both. */
  sameKeysAs(other: TrustStore): boolean {
    return this.shape() === other.shape();
  }

  private shape(): string {
    const keys = [...this.keys.values()]
      .map((k) => `${k.fingerprint}:${k.peer ?? ''}:${[...(k.peerNodes ?? [])].sort().join(',')}`)
      .sort();
    return JSON.stringify([keys, this.binding.own ?? null, [...this.binding.peerNodes].sort()]);
  }

  /** One of the node's own trust anchors (not a key trusted only for a peer). */
  isAnchor(fingerprint: string): boolean {
    const key = this.keys.get(fingerprint);
    return key !== undefined && key.peer === undefined;
  }

  /** The node's own anchors only: what `trust list` shows and what may revoke any key. */
  get anchors(): TrustedKey[] {
    return [...this.keys.values()].filter((k) => k.peer === undefined);
  }

  async describe(): Promise<(KeyInfo & { path: string })[]> {
    const infos = await Promise.all(
      [...this.keys.values()].map(async (k) => ({ ...(await describeKey(k.key)), path: k.path })),
    );
    return infos.sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : 1));
  }
}
