import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signValue, signedValueTimeMs, verifySignedValue } from '../../src/session/signed-value.js';

const SECRET = 'secret-for-known-answer-test-32b';
const NAME = '_oauth2_proxy';
const NOW = 1_700_000_000_000;
const WEEK = 7 * 24 * 3600 * 1000;

describe('signed values', () => {
  it('matches a vector computed with openssl from the format description', () => {
    // printf '%s' '_oauth2_proxyaGVsbG8=1700000000' | openssl dgst -sha256 -hmac "$SECRET" -binary | base64 | tr '+/' '-_'
    const signed = signValue(NAME, Buffer.from('hello'), SECRET, NOW + 999);
    assert.equal(signed, 'aGVsbG8=|1700000000|aRHz77vCRb98YkBdE4R8qj0kr3a0s-mCuU_xjDhhdIE=');
  });

  it('uses the URL-safe alphabet with padding for the payload', () => {
    // printf '%s' 'sess----_w==1234567890' | openssl dgst -sha256 -hmac 'another-secret-of-any-length' -binary | base64 | tr '+/' '-_'
    const signed = signValue('sess', Buffer.from([0xfb, 0xef, 0xbe, 0xff]), 'another-secret-of-any-length', 1234567890_000);
    assert.equal(signed, '----_w==|1234567890|85-CaXshSy6ggU3EQoVLJRAizYSHhJoQ7gd0M9cKGIw=');
    assert.deepEqual(
      verifySignedValue('sess', signed, 'another-secret-of-any-length', 0, NOW),
      Buffer.from([0xfb, 0xef, 0xbe, 0xff]),
    );
  });

  it('round-trips', () => {
    const payload = Buffer.from('some bytes \u00ff\u0000', 'utf8');
    const signed = signValue(NAME, payload, SECRET, NOW);
    assert.deepEqual(verifySignedValue(NAME, signed, SECRET, WEEK, NOW), payload);
    assert.deepEqual(verifySignedValue(NAME, signValue(NAME, Buffer.alloc(0), SECRET, NOW), SECRET, WEEK, NOW), Buffer.alloc(0));
  });

  it('rejects a tampered payload, timestamp or signature', () => {
    const signed = signValue(NAME, Buffer.from('hello'), SECRET, NOW);
    const [p, t, s] = signed.split('|');
    assert.equal(verifySignedValue(NAME, `aGVsbG9=|${t}|${s}`, SECRET, WEEK, NOW), undefined);
    assert.equal(verifySignedValue(NAME, `${p}|${Number(t) + 1}|${s}`, SECRET, WEEK, NOW), undefined);
    const flipped = (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    assert.equal(verifySignedValue(NAME, `${p}|${t}|${flipped}`, SECRET, WEEK, NOW), undefined);
    assert.equal(verifySignedValue(NAME, signed, SECRET + 'x', WEEK, NOW), undefined);
  });

  it('binds the cookie name', () => {
    const signed = signValue(NAME, Buffer.from('hello'), SECRET, NOW);
    assert.equal(verifySignedValue(NAME + '_csrf', signed, SECRET, WEEK, NOW), undefined);
    assert.equal(verifySignedValue('_oauth2_prox', signed, SECRET, WEEK, NOW), undefined);
  });

  it('enforces the expiry window and five minutes of future skew', () => {
    const signed = signValue(NAME, Buffer.from('x'), SECRET, NOW);
    assert.ok(verifySignedValue(NAME, signed, SECRET, WEEK, NOW + WEEK - 1000));
    assert.equal(verifySignedValue(NAME, signed, SECRET, WEEK, NOW + WEEK), undefined);
    assert.equal(verifySignedValue(NAME, signed, SECRET, WEEK, NOW + WEEK + 1), undefined);
    assert.ok(verifySignedValue(NAME, signed, SECRET, WEEK, NOW - 5 * 60 * 1000 + 1));
    assert.equal(verifySignedValue(NAME, signed, SECRET, WEEK, NOW - 5 * 60 * 1000), undefined);
    assert.equal(verifySignedValue(NAME, signed, SECRET, WEEK, NOW - 3600 * 1000), undefined);
  });

  it('never ages out when expire is 0', () => {
    const signed = signValue(NAME, Buffer.from('x'), SECRET, 0);
    assert.ok(verifySignedValue(NAME, signed, SECRET, 0, NOW + 100 * WEEK));
  });

  it('returns undefined for malformed input without throwing', () => {
    const good = signValue(NAME, Buffer.from('hello'), SECRET, NOW);
    const [p, t, s] = good.split('|');
    const bad = [
      '',
      '|',
      '||',
      'a|b',
      `${good}|extra`,
      `${p}|${t}`,
      `${p}|-1|${s}`,
      `${p}||${s}`,
      `${p}|1e9|${s}`,
      `${p}|${t}|${s}=`,
      `${p}|${t}|${s.slice(0, -1)}\u00e9`,
      `${p}|${t}|${s.slice(0, -2)}\u0100=`,
      'a\u0000b|1|c',
    ];
    for (const v of bad) {
      assert.doesNotThrow(() => verifySignedValue(NAME, v, SECRET, WEEK, NOW));
      assert.equal(verifySignedValue(NAME, v, SECRET, WEEK, NOW), undefined, JSON.stringify(v));
    }
    assert.equal(verifySignedValue(NAME, undefined as unknown as string, SECRET, WEEK, NOW), undefined);
  });

  it('refuses payload encodings Go would refuse even when correctly signed', () => {
    // Standard-alphabet and unpadded payloads, signed with the right key: Go's decoder rejects them.
    for (const encoded of ['+/8=', 'aGVsbG8', 'aGVsbG8==', 'a===', 'aGV sbG8=']) {
      const forged = forge(encoded, '1700000000');
      assert.equal(verifySignedValue(NAME, forged, SECRET, WEEK, NOW), undefined, encoded);
    }
    assert.deepEqual(verifySignedValue(NAME, forge('_-8=', '1700000000'), SECRET, WEEK, NOW), Buffer.from([0xff, 0xef]));
  });

  it('reads back the signing time', () => {
    assert.equal(signedValueTimeMs(signValue(NAME, Buffer.from('x'), SECRET, NOW + 1500)), NOW + 1000);
    assert.equal(signedValueTimeMs('nope'), undefined);
  });
});

import { createHmac } from 'node:crypto';
function forge(encoded: string, seconds: string): string {
  const sig = createHmac('sha256', SECRET).update(NAME + encoded + seconds).digest('base64url') + '=';
  return `${encoded}|${seconds}|${sig}`;
}
