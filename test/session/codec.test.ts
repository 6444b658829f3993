import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createPayloadCipher } from '../../src/session/cipher.js';
import { createSessionCodec } from '../../src/session/codec.js';
import { signValue, verifySignedValue } from '../../src/session/signed-value.js';
import type { SessionState } from '../../src/session/state.js';

const SECRET = randomBytes(32).toString('base64url');
const NOW = 1_700_000_000_000;
const WEEK = 7 * 24 * 3600 * 1000;
const codec = createSessionCodec({ cookieName: '_oauth2_proxy', secret: SECRET, expireMs: WEEK });

const FULL: SessionState = {
  user: 'sub-123',
  email: 'alice@example.com',
  groups: ['admins', 'devs'],
  preferredUsername: 'alice',
  accessToken: 'at.' + 'x'.repeat(100),
  idToken: 'it.' + 'y'.repeat(100),
  refreshToken: 'rt',
  createdAt: NOW - 1000,
  expiresOn: NOW + 3600_000,
  providerId: 'oidc',
};

describe('payload cipher', () => {
  for (const secret of ['0123456789abcdef', '0123456789abcdef01234567', '0123456789abcdef0123456789abcdef', SECRET]) {
    it(`round-trips with a ${secret.length}-character secret`, () => {
      const c = createPayloadCipher(secret);
      const sealed = c.encrypt(Buffer.from('plain text'));
      assert.equal(sealed.length, 12 + 10 + 16);
      assert.equal(c.decrypt(sealed)?.toString(), 'plain text');
      assert.notDeepEqual(c.encrypt(Buffer.from('plain text')), sealed, 'fresh IV per encryption');
    });
  }

  it('refuses altered, short or foreign data', () => {
    const c = createPayloadCipher(SECRET);
    const sealed = c.encrypt(Buffer.from('plain text'));
    for (let i = 0; i < sealed.length; i += 7) {
      const bad = Buffer.from(sealed);
      bad[i] ^= 1;
      assert.equal(c.decrypt(bad), undefined);
    }
    assert.equal(c.decrypt(sealed.subarray(0, 27)), undefined);
    assert.equal(c.decrypt(Buffer.alloc(0)), undefined);
    assert.equal(createPayloadCipher(randomBytes(32).toString('base64url')).decrypt(sealed), undefined);
  });

  it('refuses secrets that do not give an AES key', () => {
    assert.throws(() => createPayloadCipher('short'));
    assert.throws(() => createPayloadCipher(''));
  });
});

describe('session codec', () => {
  it('round-trips a full session', () => {
    assert.deepEqual(codec.decode(codec.encode(FULL, NOW), NOW), FULL);
  });

  it('round-trips a minimal session, leaving empty fields out of the payload', () => {
    const min: SessionState = { user: '', email: '', groups: [], createdAt: NOW, expiresOn: 0 };
    const signed = codec.encode(min, NOW);
    assert.deepEqual(codec.decode(signed, NOW), min);
    // ca only: {"ca":1700000000000} is 20 bytes → 48 sealed → 64 base64 characters.
    assert.equal(signed.split('|')[0].length, 64);
  });

  it('round-trips unicode text', () => {
    const s: SessionState = { ...FULL, user: 'ユーザー', groups: ['grüppe', '"quoted"', ''] };
    assert.deepEqual(codec.decode(codec.encode(s, NOW), NOW), s);
  });

  it('returns undefined for truncated values', () => {
    const signed = codec.encode(FULL, NOW);
    for (const cut of [1, 10, signed.length / 2, signed.length - 1]) {
      assert.equal(codec.decode(signed.slice(0, cut), NOW), undefined);
    }
  });

  it('returns undefined for bit flips anywhere', () => {
    const signed = codec.encode(FULL, NOW);
    for (let i = 0; i < signed.length; i += 5) {
      const c = signed.charCodeAt(i) ^ 1;
      const flipped = signed.slice(0, i) + String.fromCharCode(c) + signed.slice(i + 1);
      assert.equal(codec.decode(flipped, NOW), undefined, `position ${i}`);
    }
  });

  it('returns undefined under another secret or another cookie name', () => {
    const signed = codec.encode(FULL, NOW);
    const other = createSessionCodec({ cookieName: '_oauth2_proxy', secret: randomBytes(32).toString('base64url'), expireMs: WEEK });
    assert.equal(other.decode(signed, NOW), undefined);
    const renamed = createSessionCodec({ cookieName: 'other', secret: SECRET, expireMs: WEEK });
    assert.equal(renamed.decode(signed, NOW), undefined);
  });

  it('returns undefined once expired', () => {
    const signed = codec.encode(FULL, NOW);
    assert.ok(codec.decode(signed, NOW + WEEK - 1000));
    assert.equal(codec.decode(signed, NOW + WEEK + 1000), undefined);
    assert.deepEqual(codec.decodeResult(signed, NOW + WEEK + 1000), { ok: false, reason: 'signature invalid or expired' });
  });

  it('returns undefined for garbage and never throws', () => {
    for (const g of ['', 'garbage', '|||', 'a|1|b', '\u0000', 'x'.repeat(5000), undefined, null, 42]) {
      assert.doesNotThrow(() => codec.decode(g as string, NOW));
      assert.equal(codec.decode(g as string, NOW), undefined);
    }
  });

  it('refuses well-sealed payloads of the wrong shape', () => {
    const cipher = createPayloadCipher(SECRET);
    const seal = (json: string): string =>
      signValue('_oauth2_proxy', cipher.encrypt(Buffer.from(json)), SECRET, NOW);
    const bad = [
      'null',
      '[]',
      '"s"',
      '{}',
      '{"ca":"1"}',
      '{"ca":-1}',
      '{"ca":1,"eo":"2"}',
      '{"ca":1,"u":5}',
      '{"ca":1,"e":null}',
      '{"ca":1,"g":"admins"}',
      '{"ca":1,"g":[1]}',
      '{"ca":1,"at":{}}',
      '{"ca":1,"p":true}',
      '{"ca":1',
      '\u00ff\u00fe',
    ];
    for (const json of bad) assert.equal(codec.decode(seal(json), NOW), undefined, json);
    assert.equal(codec.decodeResult(seal('{"ca":1,"u":5}'), NOW).ok, false);
    // Keys from a newer release are ignored.
    assert.deepEqual(codec.decode(seal('{"ca":1,"u":"a","zz":[1]}'), NOW), {
      user: 'a',
      email: '',
      groups: [],
      createdAt: 1,
      expiresOn: 0,
    });
  });

  it('writes the outer value in the signed-value format under the cookie name', () => {
    const signed = codec.encode(FULL, NOW);
    assert.match(signed, /^[A-Za-z0-9_-]+=*\|1700000000\|[A-Za-z0-9_-]{43}=$/);
    assert.ok(verifySignedValue('_oauth2_proxy', signed, SECRET, WEEK, NOW));
  });
});
