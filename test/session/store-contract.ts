// One behavioural contract for every SessionStore, run against the cookie store and against Redis in
// each topology. Cases that only a server-side store can meet (revocation, replay after sign-out,
// the refresh lock) run when the store says it has them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedisClient } from '../../src/session/redis-connect.js';
import { redisOptionsOf, type RedisConfigFields } from '../../src/session/redis-options.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/session/redis-store.js';
import type { CookieOptions } from '../../src/session/cookie-store.js';
import { verifySignedValue } from '../../src/session/signed-value.js';
import type { SessionState } from '../../src/session/state.js';
import type { CookieContext, SessionStore } from '../../src/session/store.js';

export const COOKIE_NAME = '_oauth2_proxy';
export const SECRET = 'kS9nG2xV7qL4wP1zR8tY3uB6mC0dF5hJ';
export const EXPIRE_MS = 3600_000;

export interface Clock {
  now: number;
}

export function cookieOptions(clock: Clock, overrides: Partial<CookieOptions> = {}): CookieOptions {
  return {
    name: COOKIE_NAME, secret: SECRET, domains: [], path: '/', expireMs: EXPIRE_MS, secure: true, httpOnly: true,
    sameSite: 'lax', now: () => clock.now, ...overrides,
  };
}

export function redisFields(overrides: Partial<RedisConfigFields>): RedisConfigFields {
  return {
    redisConnectionUrl: '', redisUsername: '', redisPassword: '', redisUseSentinel: false, redisSentinelMasterName: '',
    redisSentinelConnectionUrls: [], redisSentinelPassword: '', redisUseCluster: false, redisClusterConnectionUrls: [],
    redisCaPath: '', redisInsecureSkipTlsVerify: false, redisConnectionIdleTimeout: 0, ...overrides,
  };
}

/** A connected Redis store for the given flags. */
export async function redisStore(fields: Partial<RedisConfigFields>, clock: Clock, cookie: Partial<CookieOptions> = {}): Promise<RedisSessionStore> {
  const store = createRedisSessionStore({ client: createRedisClient(redisOptionsOf(redisFields(fields))), cookie: cookieOptions(clock, cookie) });
  try {
    await store.probe();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** A browser's view: applies Set-Cookie lines to a cookie map (Max-Age=0 deletes). */
export function apply(cookies: Map<string, string>, lines: string[]): Map<string, string> {
  for (const line of lines) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    if (/;\s*Max-Age=0/i.test(line)) cookies.delete(name);
    else cookies.set(name, pair.slice(eq + 1));
  }
  return cookies;
}

export function ctxOf(cookies: Map<string, string>): CookieContext {
  return { cookies, host: 'app.example.com' };
}

/** A session with an ID token carrying sub and sid, as the OIDC provider makes them. */
export function session(sub: string, sid: string, extra: Partial<SessionState> = {}): SessionState {
  const payload = Buffer.from(JSON.stringify({ sub, sid, iss: 'https://idp.example' })).toString('base64url');
  return {
    user: sub, email: `${sub}@example.com`, groups: ['g1', 'g2'], createdAt: 1_700_000_000_000, expiresOn: 1_700_000_360_000,
    accessToken: `at-${sub}-${sid}`, idToken: `eyJhbGciOiJSUzI1NiJ9.${payload}.sig`, refreshToken: `rt-${sub}-${sid}`, ...extra,
  };
}

export interface ContractTarget {
  name: string;
  /** Called once per case; the store shares its backend with the other cases. */
  store: () => SessionStore;
  clock: Clock;
}

async function signIn(store: SessionStore, s: SessionState, jar = new Map<string, string>()): Promise<Map<string, string>> {
  return apply(jar, await store.save(ctxOf(jar), s, { fresh: true }));
}

export function storeContract(target: () => ContractTarget): void {
  describe('session store contract', () => {
    it('has no session without a cookie', async () => {
      const t = target();
      assert.deepEqual(await t.store().load(ctxOf(new Map())), { state: 'none' });
    });

    it('reads back what it saved, field for field', async () => {
      const t = target();
      const s = session('alice', 'sid-1', { preferredUsername: 'al', providerId: 'oidc=proxy' });
      const jar = await signIn(t.store(), s);
      const loaded = await t.store().load(ctxOf(jar));
      assert.deepEqual(loaded, { state: 'ok', session: s });
    });

    it('keeps a large session within one cookie when stored server-side, or splits it in the browser', async () => {
      const t = target();
      const big = session('bob', 'sid-big', { groups: Array.from({ length: 400 }, (_, i) => `group-number-${i}`) });
      const lines = await t.store().save(ctxOf(new Map()), big, { fresh: true });
      const loaded = await t.store().load(ctxOf(apply(new Map(), lines)));
      assert.equal(loaded.state, 'ok');
      if (t.store().revoke) {
        assert.equal(lines.length, 1);
        assert.ok(lines[0]!.length < 300, `ticket cookie is ${lines[0]!.length} characters`);
      } else {
        assert.ok(lines.length > 1);
      }
    });

    it('refuses a tampered cookie, one signed with another secret, and one past its expiry', async () => {
      const t = target();
      const jar = await signIn(t.store(), session('carol', 'sid-t'));
      const value = jar.get(COOKIE_NAME)!;
      const flipped = value.slice(0, 5) + (value[5] === 'A' ? 'B' : 'A') + value.slice(6);
      assert.equal((await t.store().load(ctxOf(new Map([[COOKIE_NAME, flipped]])))).state, 'invalid');
      assert.equal((await t.store().load(ctxOf(new Map([[COOKIE_NAME, 'garbage']])))).state, 'invalid');
      const saved = t.clock.now;
      t.clock.now += EXPIRE_MS + 1000;
      try {
        assert.equal((await t.store().load(ctxOf(jar))).state, 'invalid');
      } finally {
        t.clock.now = saved;
      }
    });

    it('issues a new ticket at every sign-in, whatever ticket the browser brought', async () => {
      const t = target();
      const planted = await signIn(t.store(), session('mallory', 'sid-m'));
      const before = planted.get(COOKIE_NAME)!;
      const after = await signIn(t.store(), session('victim', 'sid-v'), new Map(planted));
      assert.notEqual(after.get(COOKIE_NAME), before);
      const loaded = await t.store().load(ctxOf(after));
      assert.equal(loaded.state === 'ok' && loaded.session.user, 'victim');
      if (t.store().revoke) {
        assert.notEqual(ticketOf(after), ticketOf(planted));
        // The replaced session is gone, so the planted cookie no longer works either.
        assert.equal((await t.store().load(ctxOf(planted))).state, 'invalid');
      }
    });

    it('updates a session in place on refresh', async () => {
      const t = target();
      const jar = await signIn(t.store(), session('dave', 'sid-d'));
      const refreshed = session('dave', 'sid-d', { createdAt: 1_700_000_500_000, accessToken: 'at-new', refreshToken: 'rt-new' });
      const lines = await t.store().save(ctxOf(jar), refreshed, { fresh: false });
      const next = apply(new Map(jar), lines);
      assert.deepEqual(await t.store().load(ctxOf(next)), { state: 'ok', session: refreshed });
      if (t.store().revoke) {
        assert.equal(ticketOf(next), ticketOf(jar));
        // Requests still carrying the previous cookie see the refreshed session too.
        assert.deepEqual(await t.store().load(ctxOf(jar)), { state: 'ok', session: refreshed });
      }
    });

    it('clears: the cookie expires, and server-side the session is gone for any copy of the cookie', async () => {
      const t = target();
      const jar = await signIn(t.store(), session('erin', 'sid-e'));
      const copy = new Map(jar);
      const lines = await t.store().clear(ctxOf(jar));
      assert.ok(lines.length >= 1 && lines.every((l) => /Max-Age=0/.test(l)));
      assert.equal(apply(jar, lines).size, 0);
      if (t.store().revoke) {
        assert.equal((await t.store().load(ctxOf(copy))).state, 'invalid');
        // A refresh finishing after the sign-out must not bring the session back.
        await t.store().save(ctxOf(copy), session('erin', 'sid-e', { accessToken: 'late' }), { fresh: false });
        assert.equal((await t.store().load(ctxOf(copy))).state, 'invalid');
      }
    });

    it('revokes every session of a subject, or of one provider session, and nothing else', async (c) => {
      const t = target();
      const store = t.store();
      if (!store.revoke) return c.diagnostic('stateless store: revocation is not part of its contract');
      const a1 = await signIn(store, session('frank', 'sid-f1'));
      const a2 = await signIn(store, session('frank', 'sid-f2'));
      const other = await signIn(store, session('grace', 'sid-g'));
      assert.equal(await store.revoke({ sid: 'sid-f1' }), 1);
      assert.equal((await store.load(ctxOf(a1))).state, 'invalid');
      assert.equal((await store.load(ctxOf(a2))).state, 'ok');
      await signIn(store, session('frank', 'sid-f3'));
      assert.equal(await store.revoke({ sub: 'frank' }), 2);
      assert.equal((await store.load(ctxOf(a2))).state, 'invalid');
      assert.equal((await store.load(ctxOf(other))).state, 'ok');
      assert.equal(await store.revoke({ sub: 'nobody' }), 0);
    });

    it('hands the refresh lock to one holder at a time', async (c) => {
      const t = target();
      const store = t.store();
      if (!store.acquireRefreshLock) return c.diagnostic('stateless store: refreshes are single-flight in the process only');
      const jar = await signIn(store, session('heidi', 'sid-h'));
      const first = await store.acquireRefreshLock(ctxOf(jar));
      assert.ok(first);
      let secondGot = false;
      const second = store.acquireRefreshLock(ctxOf(jar)).then((l) => { secondGot = true; return l; });
      // The second is still waiting while the first holds the lock.
      await new Promise((r) => setImmediate(r));
      assert.equal(secondGot, false);
      await first.release();
      const lock = await second;
      assert.ok(lock);
      await lock.release();
    });

    it('answers the readiness probe', async () => {
      await target().store().verifyConnection();
    });
  });
}

/** The ticket id inside a server-side store's cookie. */
export function ticketOf(jar: Map<string, string>): string {
  const payload = verifySignedValue(COOKIE_NAME, jar.get(COOKIE_NAME) ?? '', SECRET, 0, Date.now());
  assert.ok(payload, 'cookie is a signed value');
  const text = payload.toString('utf8');
  assert.match(text, /^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  return Buffer.from(text.split('.')[1]!, 'base64url').toString('utf8');
}
