/**
 * Who may talk to `mcp --http`: a request must name this server as its Host (when bound to
 * loopback), come from no web page or one of this server's own origin, and carry the bearer
 * token. A web page in a browser can reach 127.0.0.1, so the token alone is not enough.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { RemembrancerError } from '../ground/errors.js';

export const TOKEN_ENV = 'REMEMBRANCER_MCP_TOKEN';
export const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The token from the environment, or a new random one (which the caller prints once). */
export function bearerToken(env: NodeJS.ProcessEnv): { token: string; generated: boolean } {
  const given = env[TOKEN_ENV];
  if (given !== undefined && given !== '') {
    if (given.length < 16) {
      throw new RemembrancerError('USAGE', `${TOKEN_ENV} is shorter than 16 characters`, {
        fix: `set ${TOKEN_ENV} to a long random value, e.g. $(openssl rand -hex 32), or unset it to get one generated`,
      });
    }
    return { token: given, generated: false };
  }
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** The hosts a browser could call this server by; an Origin naming any other is foreign. */
function localNames(host: string, port: number): Set<string> {
  const names = LOOPBACK.has(host) ? ['127.0.0.1', 'localhost', '[::1]'] : [host];
  return new Set(names.map((h) => `${h}:${port}`));
}

export interface Refusal {
  status: 401 | 403;
  message: string;
  headers?: Record<string, string>;
}

/** A check of every request's headers, for a server on `host:port` with `token`. */
export function requestGuard(
  host: string,
  port: number,
  token: string,
): (headers: IncomingHttpHeaders) => Refusal | undefined {
  const hosts = localNames(host, port);
  const expected = digest(`Bearer ${token}`);
  return (headers) => {
    // DNS rebinding: a page served from evil.example that resolves to 127.0.0.1 sends its
    // own name as Host.
    if (LOOPBACK.has(host) && !hosts.has(headers.host ?? '')) {
      return {
        status: 403,
        message: `forbidden: Host ${headers.host ?? '(none)'} is not this server`,
      };
    }
    const origin = headers.origin;
    if (origin !== undefined) {
      let originHost = '';
      try {
        const parsed = new URL(origin);
        if (parsed.protocol === 'http:') originHost = parsed.host;
      } catch {
        // not a URL: foreign
      }
      if (!hosts.has(originHost))
        return { status: 403, message: `forbidden: foreign Origin ${origin}` };
    }
    if (!timingSafeEqual(digest(headers.authorization ?? ''), expected)) {
      return {
        status: 401,
        message: 'unauthorized: send Authorization: Bearer <token>',
        headers: { 'www-authenticate': 'Bearer realm="remembrancer"' },
      };
    }
    return undefined;
  };
}
