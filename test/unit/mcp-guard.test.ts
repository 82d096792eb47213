/** Which requests `mcp --http` lets through, header by header. */
import { describe, expect, it } from 'vitest';
import { bearerToken, requestGuard } from '../../src/mcp/http-guard.js';

const TOKEN = 'correct-horse-battery-staple';
const ok = { host: '127.0.0.1:8765', authorization: `Bearer ${TOKEN}` };

describe('requestGuard on 127.0.0.1:8765', () => {
  const guard = requestGuard('127.0.0.1', 8765, TOKEN);

  it('lets through the token with any name of this machine as Host or Origin', () => {
    for (const name of ['127.0.0.1:8765', 'localhost:8765', '[::1]:8765']) {
      expect(guard({ ...ok, host: name })).toBeUndefined();
      expect(guard({ ...ok, origin: `http://${name}` })).toBeUndefined();
    }
  });

  it('refuses another Host (DNS rebinding) and another port', () => {
    expect(guard({ ...ok, host: 'evil.example:8765' })?.status).toBe(403);
    expect(guard({ ...ok, host: '127.0.0.1:9999' })?.status).toBe(403);
    expect(guard({ authorization: ok.authorization })?.status).toBe(403);
  });

  it('refuses a foreign, opaque or https Origin even with the token', () => {
    for (const origin of [
      'https://evil.example',
      'http://evil.example:8765',
      'null',
      'https://127.0.0.1:8765',
      'http://127.0.0.1:9999',
    ]) {
      expect(guard({ ...ok, origin }), origin).toMatchObject({
        status: 403,
        message: `forbidden: foreign Origin ${origin}`,
      });
    }
  });

  it('refuses a missing, wrong or differently written token with 401 and a challenge', () => {
    for (const authorization of [
      undefined,
      '',
      `Bearer ${TOKEN}x`,
      `bearer ${TOKEN}`,
      TOKEN,
      `Basic ${TOKEN}`,
    ]) {
      const refusal = guard({
        host: ok.host,
        ...(authorization === undefined ? {} : { authorization }),
      });
      expect(refusal?.status, String(authorization)).toBe(401);
      expect(refusal?.headers?.['www-authenticate']).toBe('Bearer realm="remembrancer"');
    }
  });
});

describe('bearerToken', () => {
  it('generates a long random token when none is set, a new one each time', () => {
    const a = bearerToken({});
    const b = bearerToken({ REMEMBRANCER_MCP_TOKEN: '' });
    expect(a.generated && b.generated).toBe(true);
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
  });

  it('takes the environment variable, and refuses one shorter than 16 characters', () => {
    expect(bearerToken({ REMEMBRANCER_MCP_TOKEN: TOKEN })).toEqual({
      token: TOKEN,
      generated: false,
    });
    expect(() => bearerToken({ REMEMBRANCER_MCP_TOKEN: 'short' })).toThrow(
      /REMEMBRANCER_MCP_TOKEN is shorter than 16 characters/,
    );
  });
});
