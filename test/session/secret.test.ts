import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cookieSecretBytes } from '../../src/session/secret.js';
import { createSessionCodec } from '../../src/session/codec.js';

describe('cookie secret', () => {
  const cases: Array<[string, string, number | undefined]> = [
    ['16 raw characters', 'abcdefghijklmnop', 16],
    ['24 raw characters', 'abcdefghijklmnopqrstuvwx', 24],
    ['32 raw characters', 'abcdefghijklmnopqrstuvwxyz01234!', 32],
    // Like oauth2-proxy: a secret that decodes as base64url to a valid length is used decoded.
    ['32 characters that are base64url of 24 bytes', 'abcdefghijklmnopqrstuvwxyz012345', 24],
    ['base64url of 32 bytes', Buffer.alloc(32, 7).toString('base64url'), 32],
    ['padded base64url of 16 bytes', Buffer.alloc(16, 9).toString('base64url') + '==', 16],
    ['base64url of 24 bytes', Buffer.alloc(24, 1).toString('base64url'), 24],
    ['too short', 'short', undefined],
    ['33 raw characters', 'abcdefghijklmnopqrstuvwxyz0123456', undefined],
    ['empty', '', undefined],
  ];
  for (const [name, secret, len] of cases) {
    it(`${name} → ${len ?? 'refused'}`, () => assert.equal(cookieSecretBytes(secret)?.length, len));
  }

  it('uses standard-alphabet base64 raw, as oauth2-proxy does (so existing secrets keep their key)', () => {
    // 32 characters containing '+': decoding it would give 24 bytes; oauth2-proxy uses the raw 32.
    const secret = 'abcdefghijklmnopqrstuvwxyz0123+/';
    assert.deepEqual(cookieSecretBytes(secret), Buffer.from(secret));
  });

  for (const [name, secret] of cases.filter(([, , len]) => len !== undefined)) {
    it(`a session round-trips with a ${name} secret`, () => {
      const codec = createSessionCodec({ cookieName: '_oauth2_proxy', secret, expireMs: 60_000 });
      const now = Date.now();
      const s = { user: 'u', email: 'u@x.io', groups: ['g'], createdAt: now, expiresOn: 0 };
      assert.deepEqual(codec.decode(codec.encode(s, now), now)?.email, 'u@x.io');
    });
  }
});
