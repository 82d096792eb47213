/**
 * Peer URLs: which transport each form takes (git's rules: scheme://, scp-like
 * [user@]host:path, else a path), which are refused because git or ssh would read part of
 * them as an option or run a program, how a password is kept out of what is printed, and
 * which ref names a peer may be fetched by.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyPeerUrl,
  peerTrackingRef,
  peerUrlProblem,
  redactUrl,
  refNameProblem,
  scrub,
} from '../../../src/git/peer-url.js';

describe('classifyPeerUrl', () => {
  const root = '/work/repo';
  it.each([
    ['file:///srv/peer.git', { transport: 'local', path: '/srv/peer.git' }],
    ['/srv/peer', { transport: 'local', path: '/srv/peer' }],
    ['../peer', { transport: 'local', path: '/work/peer' }],
    ['./a:b', { transport: 'local', path: '/work/repo/a:b' }], // a slash before the colon
    ['https://example.com/peer.git', { transport: 'http', url: 'https://example.com/peer.git' }],
    ['HTTP://example.com/peer.git', { transport: 'http', url: 'HTTP://example.com/peer.git' }],
    ['ssh://git@example.com/peer.git', { transport: 'git', url: 'ssh://git@example.com/peer.git' }],
    ['git@example.com:team/peer.git', { transport: 'git', url: 'git@example.com:team/peer.git' }],
    ['example.com:peer.git', { transport: 'git', url: 'example.com:peer.git' }],
    ['git://example.com/peer.git', { transport: 'git', url: 'git://example.com/peer.git' }],
  ])('%s', (url, address) => {
    expect(classifyPeerUrl(url, root)).toEqual(address);
  });
});

describe('peerUrlProblem', () => {
  it.each([
    '/srv/peer',
    'relative/peer',
    'file:///srv/peer.git',
    'https://example.com/peer.git',
    'https://user:secret@example.com:8443/peer.git',
    'ssh://git@example.com:2222/peer.git',
    'git+ssh://example.com/peer.git',
    'git@example.com:team/peer.git',
    'git://example.com/peer.git',
  ])('accepts %s', (url) => {
    expect(peerUrlProblem(url)).toBeUndefined();
  });

  it.each([
    ['-oProxyCommand=touch /tmp/pwned', /begins with "-"/],
    ['--upload-pack=touch /tmp/pwned', /begins with "-"/],
    ['ssh://-oProxyCommand=touch%20/tmp/pwned/x', /host or user beginning with "-"/],
    ['ssh://-oProxyCommand=x@example.com/x', /host or user beginning with "-"/],
    ['-oProxyCommand=x:path', /begins with "-"/],
    ['git@-oProxyCommand=x:path', /host or user beginning with "-"/],
    ['ext::sh -c touch% /tmp/pwned', /remote helper "ext::"/],
    ['fd::17', /remote helper "fd::"/],
    ['ftp://example.com/peer.git', /transport "ftp:\/\/"/],
    ['ssh:///no/host', /names no host/],
    ['https://exa mple.com/x', /not a valid URL/],
    [' /srv/peer', /white space/],
    ['/srv/peer\nmore', /control character/],
    ['', /is empty/],
  ])('refuses %j', (url, why) => {
    expect(peerUrlProblem(url)).toMatch(why);
  });
});

describe('redactUrl and scrub', () => {
  const url = 'https://ada:s%40cret@example.com/peer.git';

  it('hides the password of a URL, and only that', () => {
    expect(redactUrl(url)).toBe('https://ada:***@example.com/peer.git');
    expect(redactUrl('https://ada@example.com/peer.git')).toBe('https://ada@example.com/peer.git');
    expect(redactUrl('/srv/peer')).toBe('/srv/peer');
  });

  it('removes the password from a message, as given and decoded', () => {
    const message = `fatal: unable to access '${url}': s@cret and s%40cret rejected`;
    const clean = scrub(message, url);
    expect(clean).not.toMatch(/s@cret|s%40cret/);
    expect(clean).toContain('https://ada:***@example.com/peer.git');
  });
});

describe('refNameProblem and peerTrackingRef', () => {
  it.each(['refs/heads/main', 'refs/heads/release/1.2', 'refs/tags/v1.0'])('accepts %s', (ref) => {
    expect(refNameProblem(ref)).toBeUndefined();
  });

  it.each([
    'main',
    'refs/heads/../../config',
    'refs/heads/.hidden',
    'refs/heads/x.lock',
    'refs/heads/a..b',
    'refs/heads/-x',
    'refs/heads/',
    'refs/heads/a b',
    '--upload-pack=x',
  ])('refuses %s', (ref) => {
    expect(refNameProblem(ref)).toBeDefined();
  });

  it('keeps a peer’s ref apart from ours, under its name', () => {
    expect(peerTrackingRef({ name: 'beta', ref: 'refs/heads/main' })).toBe(
      'refs/remembrancer/peers/beta/heads/main',
    );
  });
});
