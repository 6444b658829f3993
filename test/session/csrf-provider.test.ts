// The provider a sign-in began with travels sealed in the CSRF cookie and named in the state, so
// the callback knows whom to redeem with and refuses a state that names another provider.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createCsrf, type CsrfOptions } from '../../src/session/csrf.js';

const NOW = 1_700_000_000_000;
const OPTS: CsrfOptions = {
  cookieName: '_oauth2_proxy', secret: randomBytes(32).toString('base64url'), csrfExpireMs: 15 * 60 * 1000, perRequest: false,
  domains: [], path: '/', secure: true, httpOnly: true, sameSite: 'lax',
};
const host = 'app.example.com';

function ctx(setCookie: string) {
  const first = setCookie.slice(0, setCookie.indexOf(';'));
  const eq = first.indexOf('=');
  return { cookies: new Map([[first.slice(0, eq), first.slice(eq + 1)]]), host };
}

for (const perRequest of [false, true]) {
  describe(`csrf provider binding (per-request cookies: ${perRequest})`, () => {
    const csrf = createCsrf({ ...OPTS, perRequest });

    it('names a further provider in the state and returns it from the sealed cookie, with PKCE', () => {
      const start = csrf.startLogin({ redirect: '/a:b', usePkce: 'S256', host, nowMs: NOW, providerId: 'corp' });
      assert.match(start.stateParam, /^[A-Za-z0-9_-]{43}~corp:\/a:b$/);
      const r = csrf.verifyCallback(ctx(start.setCookie), start.stateParam, NOW + 1000);
      assert.ok(r.ok);
      assert.equal(r.providerId, 'corp');
      assert.equal(r.redirect, '/a:b');
      assert.equal(r.codeVerifier, start.codeVerifier);
    });

    it('keeps the default provider\'s state and cookie as they were', () => {
      const start = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
      assert.match(start.stateParam, /^[A-Za-z0-9_-]{43}:\/$/);
      const r = csrf.verifyCallback(ctx(start.setCookie), start.stateParam, NOW);
      assert.ok(r.ok);
      assert.equal(r.providerId, undefined);
    });

    it('refuses a state naming another provider than the cookie, or none, or one where the cookie has none', () => {
      const corp = csrf.startLogin({ redirect: '/', usePkce: 'S256', host, nowMs: NOW, providerId: 'corp' });
      for (const forged of [corp.stateParam.replace('~corp:', '~gh:'), corp.stateParam.replace('~corp:', ':')]) {
        const r = csrf.verifyCallback(ctx(corp.setCookie), forged, NOW);
        assert.deepEqual([r.ok, r.ok ? '' : r.reason], [false, 'provider-mismatch']);
      }
      const plain = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
      const r = csrf.verifyCallback(ctx(plain.setCookie), plain.stateParam.replace(':', '~corp:'), NOW);
      assert.deepEqual([r.ok, r.ok ? '' : r.reason], [false, 'provider-mismatch']);
    });

    it('refuses an id that cannot travel in the state', () => {
      assert.throws(() => csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW, providerId: 'a:b' }));
    });
  });
}
