import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseCookies, pickCookieDomain, serializeCookie, type CookieAttributes } from '../../src/session/cookies.js';

describe('parseCookies', () => {
  it('reads name=value pairs separated by semicolons, trimming spaces', () => {
    assert.deepEqual([...parseCookies('a=1; b=2;c=3 ;  d = 4 ')], [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d', '4'],
    ]);
  });

  it('keeps the first occurrence of a name', () => {
    assert.equal(parseCookies('s=first; s=second').get('s'), 'first');
  });

  it('does not percent-decode and keeps = inside values', () => {
    const m = parseCookies('s=a%20b; t=x==|1|y=');
    assert.equal(m.get('s'), 'a%20b');
    assert.equal(m.get('t'), 'x==|1|y=');
  });

  it('removes one pair of surrounding quotes', () => {
    assert.equal(parseCookies('q="v"').get('q'), 'v');
    assert.equal(parseCookies('q="').get('q'), '"');
  });

  it('tolerates junk without throwing', () => {
    for (const h of [undefined, '', ';', ';;;', '=', '=x', 'novalue', ' ; a', 'a=1;;; ;b', '\u0000=\u0001', 'a=1; =2; b']) {
      assert.doesNotThrow(() => parseCookies(h));
    }
    assert.deepEqual([...parseCookies('junk; =x; a=1; b')], [['a', '1']]);
    assert.equal(parseCookies('e=').get('e'), '');
  });
});

describe('serializeCookie', () => {
  const base: CookieAttributes = { path: '/', httpOnly: true, secure: true, sameSite: '' };

  it('writes attributes in a fixed order', () => {
    assert.equal(
      serializeCookie('n', 'v', { ...base, domain: 'example.com', maxAgeSeconds: 604800, sameSite: 'lax' }),
      'n=v; Path=/; Domain=example.com; Max-Age=604800; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('omits Max-Age for a browser-session cookie and SameSite when empty', () => {
    assert.equal(serializeCookie('n', 'v', base), 'n=v; Path=/; HttpOnly; Secure');
  });

  it('capitalises SameSite values', () => {
    assert.match(serializeCookie('n', 'v', { ...base, sameSite: 'strict' }), /; SameSite=Strict$/);
    assert.match(serializeCookie('n', 'v', { ...base, sameSite: 'none' }), /; SameSite=None$/);
  });

  it('expires with Max-Age=0 and a past Expires for 0 and -1', () => {
    for (const maxAgeSeconds of [0, -1]) {
      assert.equal(
        serializeCookie('n', '', { ...base, maxAgeSeconds, httpOnly: false, secure: false }),
        'n=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0',
      );
    }
  });

  it('drops a leading dot of the domain', () => {
    assert.match(serializeCookie('n', 'v', { ...base, domain: '.example.com' }), /; Domain=example\.com;/);
  });
});

describe('pickCookieDomain', () => {
  const domains = ['example.com', 'sub.example.com', 'other.org'];
  const table: Array<[string, string[], string | undefined]> = [
    ['app.sub.example.com', domains, 'sub.example.com'],
    ['app.sub.example.com:8443', domains, 'sub.example.com'],
    ['www.example.com', domains, 'example.com'],
    ['x.other.org', domains, 'other.org'],
    // No match: the shortest entry, as oauth2-proxy's last entry after its longest-first sort.
    ['unrelated.net', domains, 'other.org'],
    ['unrelated.net', ['aa.example', 'bb.example', 'long.example.com'], 'bb.example'],
    ['anything', [], undefined],
    ['[::1]:8080', ['::1', 'example.com'], '::1'],
  ];
  for (const [host, list, expected] of table) {
    it(`${host} with ${JSON.stringify(list)} → ${expected}`, () => assert.equal(pickCookieDomain(host, list), expected));
  }
});
