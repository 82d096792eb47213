/**
 * What kind of address a peer's URL is, and how to print it without its password.
 * The rules follow git's: "scheme://…" is a URL, "[user@]host:path" with no slash before
 * the colon is ssh's scp-like form, and anything else is a path on this machine.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type PeerAddress =
  | { transport: 'local'; path: string }
  | { transport: 'http'; url: string }
  | { transport: 'git'; url: string };

export function classifyPeerUrl(url: string, repoRoot: string): PeerAddress {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'file') return { transport: 'local', path: fileURLToPath(url) };
  if (scheme === 'http' || scheme === 'https') return { transport: 'http', url };
  if (scheme !== undefined) return { transport: 'git', url };
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) return { transport: 'git', url };
  return { transport: 'local', path: isAbsolute(url) ? url : resolve(repoRoot, url) };
}

/** The URL with any password replaced, fit to be printed or stored. */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

/** The password embedded in a URL, so that it can be scrubbed from any message. */
export function urlPassword(url: string): string | undefined {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:([^/@]*)@/.exec(url);
  if (!m?.[1]) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** A message with every trace of the URL's password removed. */
export function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url));
  const password = urlPassword(url);
  if (password) {
    out = out.split(password).join('***');
    const raw = /:\/\/[^/@:]*:([^/@]*)@/.exec(url)?.[1];
    if (raw) out = out.split(raw).join('***');
  }
  return out;
}

const SCHEMES = new Set(['file', 'http', 'https', 'ssh', 'git', 'git+ssh', 'ssh+git']);

/**
 * Why a peer URL may not be used, or undefined when it is one of the documented forms:
 * a path, file://, http(s)://, ssh://, git:// or scp-like [user@]host:path. Everything a
 * transport could read as an option (a leading "-" on the URL, its user or its host, as in
 * ssh://-oProxyCommand=…) and git's remote helpers (ext::, fd::, any "name::"), which run
 * programs, are refused.
 */
export function peerUrlProblem(url: string): string | undefined {
  if (url.length === 0) return 'is empty';
  if (url.trim() !== url) return 'begins or ends with white space';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(url)) return 'holds a control character';
  if (url.startsWith('-')) return 'begins with "-", which git would read as an option';
  const helper = /^([A-Za-z0-9+.-]+)::/.exec(url);
  if (helper) return `uses git's remote helper "${helper[1]}::", which can run programs`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(url);
  if (scheme) {
    const name = (scheme[1] as string).toLowerCase();
    if (!SCHEMES.has(name)) return `uses the transport "${name}://", which peers may not use`;
    if (name === 'file') {
      try {
        fileURLToPath(url);
      } catch {
        return 'is not a valid file:// URL';
      }
      return undefined;
    }
    if (name === 'http' || name === 'https') {
      try {
        new URL(url);
      } catch {
        return 'is not a valid URL';
      }
    }
    const authority = (scheme[2] as string).split('/')[0] as string;
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    const user = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@')) : '';
    if (host === '') return 'names no host';
    if (host.startsWith('-') || user.startsWith('-'))
      return 'has a host or user beginning with "-", which ssh would read as an option';
    return undefined;
  }
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon > 0 && (slash === -1 || colon < slash)) {
    const authority = url.slice(0, colon);
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    const user = authority.includes('@') ? authority.slice(0, authority.lastIndexOf('@')) : '';
    if (host === '' || host.startsWith('-') || user.startsWith('-'))
      return 'has a host or user beginning with "-", which ssh would read as an option';
  }
  return undefined;
}

/**
 * Why a ref name is not one git accepts for a peer, or undefined: git check-ref-format's
 * rules, restricted to the characters peers.json allows.
 */
export function refNameProblem(ref: string): string | undefined {
  if (!/^refs\/[A-Za-z0-9._/-]{1,200}$/.test(ref))
    return 'is not refs/… with letters, digits, . _ / -';
  const parts = ref.split('/');
  if (parts.some((p) => p === '' || p.startsWith('.') || p.endsWith('.lock')))
    return 'has an empty component, one beginning with "." or ending with ".lock"';
  if (ref.includes('..') || ref.endsWith('.') || ref.endsWith('/'))
    return 'is not a valid ref name';
  if (parts.some((p) => p.startsWith('-'))) return 'has a component beginning with "-"';
  return undefined;
}

/** What a fetch needs of a peer: its name, where it lives and which of its refs to bring. */
export interface PeerSource {
  name: string;
  url: string;
  /** The peer's ref to fetch, e.g. refs/heads/main. */
  ref: string;
}

/** Where a peer's fetched ref is kept in our repository, apart from our own refs. */
export function peerTrackingRef(peer: Pick<PeerSource, 'name' | 'ref'>): string {
  return `refs/remembrancer/peers/${peer.name}/${peer.ref.replace(/^refs\//, '')}`;
}
