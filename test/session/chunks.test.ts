import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_SET_COOKIE_LENGTH,
  clearChunked,
  readChunked,
  splitCookie,
  writeChunked,
} from '../../src/session/chunks.js';
import type { CookieAttributes } from '../../src/session/cookies.js';
import { chunkCookieName, chunkIndexOf, sessionCookieMatcher } from '../../src/session/names.js';

const ATTRS: CookieAttributes = {
  domain: 'example.com',
  path: '/',
  maxAgeSeconds: 604800,
  httpOnly: true,
  secure: true,
  sameSite: 'lax',
};

function requestCookies(setCookies: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const sc of setCookies) {
    const first = sc.split(';')[0];
    const eq = first.indexOf('=');
    if (!sc.includes('Max-Age=0')) m.set(first.slice(0, eq), first.slice(eq + 1));
  }
  return m;
}

describe('splitCookie', () => {
  it('keeps a cookie whole up to 4000 characters', () => {
    const overhead = 'n=; Path=/; Domain=example.com; Max-Age=604800; HttpOnly; Secure; SameSite=Lax'.length;
    const value = 'v'.repeat(MAX_SET_COOKIE_LENGTH - overhead);
    const w = splitCookie('n', value, ATTRS);
    assert.equal(w.length, 1);
    assert.equal(w[0].setCookie.length, 4000);
    assert.equal(w[0].name, 'n');
  });

  it('cuts a longer one into maximal _N parts of at most 4000 characters', () => {
    const value = 'abcdefghij'.repeat(1000);
    const w = splitCookie('_oauth2_proxy', value, ATTRS);
    assert.deepEqual(
      w.map((x) => x.name),
      ['_oauth2_proxy_0', '_oauth2_proxy_1', '_oauth2_proxy_2'],
    );
    assert.equal(w[0].setCookie.length, 4000);
    assert.equal(w[1].setCookie.length, 4000);
    assert.ok(w[2].setCookie.length <= 4000);
    assert.equal(w.map((x) => x.value).join(''), value);
  });
});

describe('readChunked', () => {
  it('prefers the whole cookie', () => {
    const m = new Map([
      ['s', 'whole'],
      ['s_0', 'a'],
    ]);
    assert.equal(readChunked(m, 's'), 'whole');
  });

  it('joins parts up to the first missing index', () => {
    const m = new Map([
      ['s_0', 'a'],
      ['s_1', 'b'],
      ['s_3', 'd'],
    ]);
    assert.equal(readChunked(m, 's'), 'ab');
  });

  it('finds nothing without the whole cookie or part 0', () => {
    assert.equal(readChunked(new Map([['s_1', 'b']]), 's'), undefined);
    assert.equal(readChunked(new Map(), 's'), undefined);
  });
});

describe('writeChunked / clearChunked', () => {
  it('expires parts the new value no longer uses', () => {
    const before = requestCookies(splitCookie('s', 'x'.repeat(12000), ATTRS).map((w) => w.setCookie));
    assert.deepEqual([...before.keys()], ['s_0', 's_1', 's_2', 's_3']);
    const out = writeChunked(before, 's', 'y'.repeat(5000), ATTRS);
    assert.deepEqual(
      out.map((c) => [c.split('=')[0], c.includes('Max-Age=0')]),
      [
        ['s_0', false],
        ['s_1', false],
        ['s_2', true],
        ['s_3', true],
      ],
    );
  });

  it('expires all parts when switching to a whole cookie, and the whole one when switching back', () => {
    const split = new Map([
      ['s_0', 'a'],
      ['s_1', 'b'],
    ]);
    const toWhole = writeChunked(split, 's', 'small', ATTRS);
    assert.equal(toWhole.length, 3);
    assert.ok(toWhole[0].startsWith('s=small;'));
    assert.ok(toWhole.slice(1).every((c) => c.includes('Max-Age=0')));

    const toSplit = writeChunked(new Map([['s', 'small']]), 's', 'z'.repeat(9000), ATTRS);
    assert.deepEqual(
      toSplit.map((c) => c.split('=')[0]),
      ['s_0', 's_1', 's_2', 's'],
    );
    assert.ok(toSplit[3].includes('Max-Age=0'));
  });

  it('clears exactly the session cookie and its parts', () => {
    const m = new Map([
      ['s', '1'],
      ['s_0', '1'],
      ['s_12', '1'],
      ['s_007', '1'],
      ['s_csrf', '1'],
      ['s_x', '1'],
      ['s_', '1'],
      ['s_1a', '1'],
      ['other', '1'],
      ['ss_0', '1'],
    ]);
    const out = clearChunked(m, 's', ATTRS);
    assert.deepEqual(
      out.map((c) => c.split('=')[0]),
      ['s', 's_0', 's_12', 's_007'],
    );
    for (const c of out) assert.match(c, /; Domain=example\.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0;/);
  });

  it('treats regex characters in the cookie name literally', () => {
    const m = new Map([
      ['a.b', '1'],
      ['axb', '1'],
      ['a.b_0', '1'],
      ['axb_0', '1'],
    ]);
    assert.deepEqual(
      clearChunked(m, 'a.b', ATTRS).map((c) => c.split('=')[0]),
      ['a.b', 'a.b_0'],
    );
  });
});

describe('cookie names', () => {
  it('caps chunk names at 256 characters', () => {
    const long = 'n'.repeat(255);
    assert.equal(chunkCookieName(long, 0).length, 256);
    assert.equal(chunkCookieName(long, 12), 'n'.repeat(253) + '_12');
    assert.equal(chunkIndexOf(long, chunkCookieName(long, 12)), 12);
    assert.equal(chunkIndexOf('s', 's_007'), -1);
  });

  it('recognises the proxy’s own cookies', () => {
    const isOwn = sessionCookieMatcher('_oauth2_proxy');
    const own = ['_oauth2_proxy', '_oauth2_proxy_0', '_oauth2_proxy_17', '_oauth2_proxy_csrf', '_oauth2_proxy_AbC-_9xZ_csrf'];
    const foreign = [
      '_oauth2_proxy_',
      '_oauth2_proxy_x',
      '_oauth2_proxy_1x',
      '_oauth2_proxy_AbC-_9x_csrf',
      '_oauth2_proxy_AbC+_9xZ_csrf',
      '_oauth2_proxy_csrf_0',
      '_oauth2_proxyX',
      'session',
      '',
    ];
    for (const n of own) assert.equal(isOwn(n), true, n);
    for (const n of foreign) assert.equal(isOwn(n), false, n);
    const longName = 'n'.repeat(255);
    assert.equal(sessionCookieMatcher(longName)(chunkCookieName(longName, 3)), true);
  });
});
