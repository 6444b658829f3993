import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createCsrf, type CsrfOptions } from '../../src/session/csrf.js';

const SECRET = randomBytes(32).toString('base64url');
const NOW = 1_700_000_000_000;
const FIFTEEN_MIN = 15 * 60 * 1000;

const OPTS: CsrfOptions = {
  cookieName: '_oauth2_proxy',
  secret: SECRET,
  csrfExpireMs: FIFTEEN_MIN,
  perRequest: false,
  domains: ['example.com'],
  path: '/',
  secure: true,
  httpOnly: true,
  sameSite: 'lax',
};

function jarFrom(setCookie: string): Map<string, string> {
  const first = setCookie.slice(0, setCookie.indexOf(';'));
  const eq = first.indexOf('=');
  return new Map([[first.slice(0, eq), first.slice(eq + 1)]]);
}

const b64 = (b: Buffer | string): string => createHash('sha256').update(b).digest('base64url');

describe('csrf', () => {
  const csrf = createCsrf(OPTS);
  const host = 'app.example.com';

  it('round-trips a login', () => {
    const start = csrf.startLogin({ redirect: '/after?x=1:2', usePkce: '', host, nowMs: NOW });
    assert.equal(start.cookieName, '_oauth2_proxy_csrf');
    assert.match(start.stateParam, /^[A-Za-z0-9_-]{43}:\/after\?x=1:2$/);
    assert.match(start.nonceParam, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(start.codeVerifier, undefined);
    assert.equal(start.codeChallenge, undefined);
    assert.match(
      start.setCookie,
      /^_oauth2_proxy_csrf=[^;]+; Path=\/; Domain=example\.com; Max-Age=900; HttpOnly; Secure; SameSite=Lax$/,
    );
    const r = csrf.verifyCallback({ cookies: jarFrom(start.setCookie), host }, start.stateParam, NOW + 60_000);
    assert.equal(r.ok, true);
    if (!r.ok) return;
    assert.equal(r.redirect, '/after?x=1:2');
    assert.equal(r.nonceParam, start.nonceParam);
    assert.equal(r.codeVerifier, undefined);
    assert.match(r.clearCookie, /^_oauth2_proxy_csrf=; Path=\/; Domain=example\.com; Expires=[^;]+; Max-Age=0;/);
  });

  it('names per-request cookies after the state hash', () => {
    const per = createCsrf({ ...OPTS, perRequest: true });
    const a = per.startLogin({ redirect: '/a', usePkce: '', host, nowMs: NOW });
    const b = per.startLogin({ redirect: '/b', usePkce: '', host, nowMs: NOW });
    assert.equal(a.cookieName, `_oauth2_proxy_${a.stateParam.slice(0, 8)}_csrf`);
    assert.notEqual(a.cookieName, b.cookieName);
    const cookies = new Map([...jarFrom(a.setCookie), ...jarFrom(b.setCookie)]);
    const ra = per.verifyCallback({ cookies, host }, a.stateParam, NOW);
    const rb = per.verifyCallback({ cookies, host }, b.stateParam, NOW);
    assert.ok(ra.ok && ra.redirect === '/a' && ra.clearCookie.startsWith(a.cookieName + '=;'));
    assert.ok(rb.ok && rb.redirect === '/b');
    // The startLogin override wins over the factory setting.
    assert.match(
      csrf.startLogin({ redirect: '/', usePkce: '', perRequest: true, host, nowMs: NOW }).cookieName,
      /^_oauth2_proxy_[A-Za-z0-9_-]{8}_csrf$/,
    );
  });

  it('a per-request cookie cannot be reused for another login', () => {
    const per = createCsrf({ ...OPTS, perRequest: true });
    const a = per.startLogin({ redirect: '/a', usePkce: '', host, nowMs: NOW });
    const b = per.startLogin({ redirect: '/b', usePkce: '', host, nowMs: NOW });
    // a's value placed under b's name: the signature binds the name.
    const cookies = new Map([[b.cookieName, jarFrom(a.setCookie).get(a.cookieName)!]]);
    assert.equal(per.verifyCallback({ cookies, host }, b.stateParam, NOW).ok, false);
  });

  it('rejects a wrong state with the cookie cleared', () => {
    const start = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
    const other = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
    const r = csrf.verifyCallback({ cookies: jarFrom(start.setCookie), host }, other.stateParam, NOW);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.reason === 'state-mismatch' && r.clearCookie?.includes('Max-Age=0'));
  });

  it('reports missing and malformed state', () => {
    const ctx = { cookies: new Map<string, string>(), host };
    assert.deepEqual(csrf.verifyCallback(ctx, '', NOW), { ok: false, reason: 'missing-state' });
    assert.deepEqual(csrf.verifyCallback(ctx, 'no-colon', NOW), { ok: false, reason: 'malformed-state' });
    assert.deepEqual(csrf.verifyCallback(ctx, 'short:/', NOW), { ok: false, reason: 'malformed-state' });
    assert.deepEqual(csrf.verifyCallback(ctx, 'x'.repeat(42) + ';:/', NOW), { ok: false, reason: 'malformed-state' });
    const per = createCsrf({ ...OPTS, perRequest: true });
    assert.deepEqual(per.verifyCallback(ctx, 'a\r\nSet-Cookie: x'.padEnd(43, 'a') + ':/', NOW), {
      ok: false,
      reason: 'malformed-state',
    });
  });

  it('reports a missing cookie', () => {
    const start = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
    assert.deepEqual(csrf.verifyCallback({ cookies: new Map([['other', 'x']]), host }, start.stateParam, NOW), {
      ok: false,
      reason: 'missing-cookie',
    });
  });

  it('rejects an expired cookie (csrf expire, not the session expire)', () => {
    const start = csrf.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW });
    const ctx = { cookies: jarFrom(start.setCookie), host };
    assert.equal(csrf.verifyCallback(ctx, start.stateParam, NOW + FIFTEEN_MIN - 1000).ok, true);
    const r = csrf.verifyCallback(ctx, start.stateParam, NOW + FIFTEEN_MIN + 1000);
    assert.ok(!r.ok && r.reason === 'invalid-cookie' && r.clearCookie !== undefined);
  });

  it('rejects a tampered cookie', () => {
    const start = csrf.startLogin({ redirect: '/', usePkce: 'S256', host, nowMs: NOW });
    const [name, value] = [...jarFrom(start.setCookie)][0];
    const tampered = (value[3] === 'A' ? 'B' : 'A') + value.slice(1);
    for (const v of [tampered, value.slice(0, -2), 'junk', '']) {
      const r = csrf.verifyCallback({ cookies: new Map([[name, v]]), host }, start.stateParam, NOW);
      assert.ok(!r.ok && r.reason === 'invalid-cookie', v.slice(0, 20));
    }
    const otherSecret = createCsrf({ ...OPTS, secret: randomBytes(32).toString('base64url') });
    const r = otherSecret.verifyCallback({ cookies: new Map([[name, value]]), host }, start.stateParam, NOW);
    assert.ok(!r.ok && r.reason === 'invalid-cookie');
  });

  it('creates PKCE S256 and plain challenges and returns the verifier at callback', () => {
    const s = csrf.startLogin({ redirect: '/', usePkce: 'S256', host, nowMs: NOW });
    assert.match(s.codeVerifier!, /^[A-Za-z0-9_-]{128}$/);
    assert.equal(s.codeChallenge, b64(s.codeVerifier!));
    assert.equal(s.codeChallengeMethod, 'S256');
    const r = csrf.verifyCallback({ cookies: jarFrom(s.setCookie), host }, s.stateParam, NOW);
    assert.ok(r.ok && r.codeVerifier === s.codeVerifier);

    const p = csrf.startLogin({ redirect: '/', usePkce: 'plain', host, nowMs: NOW });
    assert.equal(p.codeChallenge, p.codeVerifier);
    assert.equal(p.codeChallengeMethod, 'plain');
  });

  it('uses the CSRF SameSite when set', () => {
    const c = createCsrf({ ...OPTS, csrfSameSite: 'none' });
    assert.match(c.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW }).setCookie, /; SameSite=None$/);
  });

  it('clears the oldest per-request cookies beyond the limit, unreadable ones first', () => {
    const per = createCsrf({ ...OPTS, perRequest: true });
    const starts = [0, 1, 2, 3].map((i) => per.startLogin({ redirect: '/', usePkce: '', host, nowMs: NOW + i * 1000 }));
    const cookies = new Map<string, string>();
    // Added newest first so that map order does not decide.
    for (const s of [...starts].reverse()) for (const [k, v] of jarFrom(s.setCookie)) cookies.set(k, v);
    cookies.set('_oauth2_proxy_ZZZZZZZZ_csrf', 'junk');
    cookies.set('_oauth2_proxy_csrf', 'not per-request');
    const ctx = { cookies, host };
    const cleared = per.clearSurplus(ctx, 2, NOW + 5000).map((c) => c.slice(0, c.indexOf('=')));
    assert.deepEqual(cleared, ['_oauth2_proxy_ZZZZZZZZ_csrf', starts[0].cookieName, starts[1].cookieName]);
    assert.deepEqual(per.clearSurplus(ctx, 0, NOW), []);
    assert.deepEqual(per.clearSurplus(ctx, 5, NOW), []);
  });
});
