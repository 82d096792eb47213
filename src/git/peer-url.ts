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
