// The decoded-session cache in front of the cookie store: it must never accept what a fresh decode
// would refuse (tampered, expired) and must stop serving a session once this process cleared it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createCookieSessionStore, DECODED_CACHE_TTL_MS, type CookieOptions } from '../../src/session/cookie-store.js';
import { makeSessionLoader } from '../../src/middleware/session.js';
import { parseCookies } from '../../src/session/cookies.js';
import type { SessionState } from '../../src/session/state.js';

const SECRET = randomBytes(32).toString('base64url');

function setup(expireMs: number) {
  const t = { now: 1_700_000_000_000 };
  const opts: CookieOptions = {
    name: '_oauth2_proxy', secret: SECRET, domains: [], path: '/', expireMs,
    secure: false, httpOnly: true, sameSite: 'lax', now: () => t.now,
  };
  const store = createCookieSessionStore(opts);
  const session: SessionState = { user: 'sub-1', email: 'a@example.com', groups: ['g'], createdAt: t.now, expiresOn: 0, accessToken: 'at' };
  return { t, store, session };
}

async function cookieFor(store: ReturnType<typeof createCookieSessionStore>, s: SessionState): Promise<string> {
  const lines = await store.save({ cookies: new Map(), host: 'app.example.com' }, s);
  assert.equal(lines.length, 1);
  return lines[0]!.slice(lines[0]!.indexOf('=') + 1, lines[0]!.indexOf(';'));
}

const ctxOf = (value: string) => ({ cookies: parseCookies(`_oauth2_proxy=${value}`), host: 'app.example.com' });

describe('decoded-session cache (cookie store)', () => {
  it('serves a repeated cookie from the cache', async () => {
    const { store, session } = setup(3600_000);
    const value = await cookieFor(store, session);
    const a = await store.load(ctxOf(value));
    const b = await store.load(ctxOf(value));
    assert.equal(a.state, 'ok');
    assert.equal(b.state, 'ok');
    assert.ok(a.state === 'ok' && b.state === 'ok' && a.session === b.session, 'second load reuses the decoded session');
    assert.deepEqual(a.state === 'ok' && a.session, session);
  });

  it('still refuses a tampered cookie whose genuine form is cached, even with the genuine signature', async () => {
    const { store, session } = setup(3600_000);
    const value = await cookieFor(store, session);
    assert.equal((await store.load(ctxOf(value))).state, 'ok');
    const [payload, ts, sig] = value.split('|') as [string, string, string];
    const flipped = payload.slice(0, 10) + (payload[10] === 'A' ? 'B' : 'A') + payload.slice(11);
    assert.equal((await store.load(ctxOf(`${flipped}|${ts}|${sig}`))).state, 'invalid');
    assert.equal((await store.load(ctxOf(`${payload}|${Number(ts) + 1}|${sig}`))).state, 'invalid');
    const otherSig = sig.slice(0, 5) + (sig[5] === 'A' ? 'B' : 'A') + sig.slice(6);
    assert.equal((await store.load(ctxOf(`${payload}|${ts}|${otherSig}`))).state, 'invalid');
    // The refusals did not evict or poison the genuine entry.
    assert.equal((await store.load(ctxOf(value))).state, 'ok');
  });

  it('refuses a cached cookie once its signed timestamp is past --cookie-expire', async () => {
    const expire = 10_000;
    assert.ok(expire < DECODED_CACHE_TTL_MS, 'the cookie expires before the cache entry would');
    const { t, store, session } = setup(expire);
    const value = await cookieFor(store, session);
    assert.equal((await store.load(ctxOf(value))).state, 'ok');
    t.now += expire - 1000;
    assert.equal((await store.load(ctxOf(value))).state, 'ok');
    t.now += 1000;
    assert.equal((await store.load(ctxOf(value))).state, 'invalid');
  });

  it('decodes again after the TTL, and after this process cleared the session', async () => {
    const { t, store, session } = setup(0);
    const value = await cookieFor(store, session);
    const first = await store.load(ctxOf(value));
    t.now += DECODED_CACHE_TTL_MS;
    const afterTtl = await store.load(ctxOf(value));
    assert.ok(first.state === 'ok' && afterTtl.state === 'ok' && first.session !== afterTtl.session);
    const cached = await store.load(ctxOf(value));
    assert.ok(cached.state === 'ok' && afterTtl.state === 'ok' && cached.session === afterTtl.session);
    await store.clear(ctxOf(value));
    const afterClear = await store.load(ctxOf(value));
    assert.ok(afterClear.state === 'ok' && afterClear.session !== afterTtl.session, 'clear evicted the entry');
  });

  it('keeps split (chunked) sessions working through the cache', async () => {
    const { store, session } = setup(3600_000);
    const big: SessionState = { ...session, idToken: randomBytes(6000).toString('base64url') };
    const lines = await store.save({ cookies: new Map(), host: 'app.example.com' }, big);
    assert.ok(lines.length > 1);
    const header = lines.map((l) => l.slice(0, l.indexOf(';'))).join('; ');
    const ctx = { cookies: parseCookies(header), host: 'app.example.com' };
    const a = await store.load(ctx);
    const b = await store.load(ctx);
    assert.ok(a.state === 'ok' && b.state === 'ok' && a.session === b.session);
    assert.equal(a.state === 'ok' && a.session.idToken, big.idToken);
  });

  it('can be turned off', async () => {
    const t = { now: 1_700_000_000_000 };
    const store = createCookieSessionStore({ name: '_oauth2_proxy', secret: SECRET, domains: [], path: '/', expireMs: 0, secure: false, httpOnly: true, sameSite: 'lax', now: () => t.now, decodedCacheTtlMs: 0 });
    const value = await cookieFor(store, { user: 'u', email: '', groups: [], createdAt: t.now, expiresOn: 0 });
    const a = await store.load(ctxOf(value));
    const b = await store.load(ctxOf(value));
    assert.ok(a.state === 'ok' && b.state === 'ok' && a.session !== b.session);
  });

  it('refreshes a cached session once it passes --cookie-refresh, as an uncached one would be', async () => {
    const { t, store, session } = setup(3600_000);
    const refreshMs = 10_000;
    assert.ok(refreshMs < DECODED_CACHE_TTL_MS, 'the refresh point comes before the cache entry expires');
    const value = await cookieFor(store, session);
    const loader = makeSessionLoader({
      store, cookieRefreshMs: refreshMs, now: () => t.now,
      // Without refresh support the step re-saves the session with a new age, as oauth2-proxy does.
      provider: { supportsRefresh: false } as never,
      log: { auth() {}, info() {}, warn() {} } as never,
    });
    const request = () => {
      const scope = { id: 'r', clientIp: '127.0.0.1', host: 'app.example.com', setCookies: [] as string[] } as never as Parameters<typeof loader>[1];
      const req = { headers: { cookie: `_oauth2_proxy=${value}`, host: 'app.example.com' } } as never as Parameters<typeof loader>[0];
      return loader(req, scope).then((s) => ({ s, setCookies: (scope as unknown as { setCookies: string[] }).setCookies }));
    };
    const first = await request();
    assert.equal(first.s?.createdAt, session.createdAt);
    assert.deepEqual(first.setCookies, []);
    t.now += refreshMs + 1;
    const due = await request();
    assert.equal(due.s?.createdAt, t.now, 'the session was refreshed');
    assert.equal(due.setCookies.length, 1, 'and its new cookie sent');
  });
});
