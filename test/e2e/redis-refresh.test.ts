// Refresh without races: 50 concurrent requests of one session due for refresh, spread over two
// replicas sharing Redis, make exactly one refresh call at the real IdP, which rotates refresh
// tokens; all 50 succeed with the new tokens. The same burst in cookie mode, on one replica, also
// makes one call. A refresh token the IdP revoked ends the session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { createSessionCodec } from '../../src/session/codec.js';
import { createRedisClient } from '../../src/session/redis-connect.js';
import { redisOptionsOf } from '../../src/session/redis-options.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/session/redis-store.js';
import { createClient } from '../support/http-client.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../support/idp.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { COOKIE, startTwinStack, type TwinStack } from '../support/redis-stack.js';
import { redisFields } from '../session/store-contract.js';

const BURST = 50;
const WEEK_MS = 7 * 24 * 3600_000;

interface Echo { headers: Record<string, string> }

describe('refresh coalescing across two replicas sharing Redis', () => {
  let redis: RedisServer;
  let stack: TwinStack;
  let store: RedisSessionStore;
  before(async () => {
    redis = await startRedis();
    stack = await startTwinStack({
      args: ['--session-store-type=redis', `--redis-connection-url=${redis.url}`, '--cookie-refresh=1m', '--pass-access-token'],
      idp: { rotateRefreshToken: true },
    });
    // The test's own view of the store: same cookie name and secret as the replicas.
    store = createRedisSessionStore({
      client: createRedisClient(redisOptionsOf(redisFields({ redisConnectionUrl: redis.url }))),
      cookie: { name: COOKIE, secret: stack.cookieSecret, domains: [], path: '/', expireMs: WEEK_MS, secure: false, httpOnly: true, sameSite: '' },
    });
    await store.probe();
  });
  after(async () => {
    await store?.close();
    await stack?.close();
    await redis?.stop();
  });

  const ctx = (cookie: string) => ({ cookies: new Map([[COOKIE, cookie]]), host: '127.0.0.1' });

  /** Makes the stored session look signed in two hours ago, so the next request must refresh it. */
  async function age(cookie: string) {
    const loaded = await store.load(ctx(cookie));
    assert.equal(loaded.state, 'ok');
    if (loaded.state !== 'ok') throw new Error('unreachable');
    await store.save(ctx(cookie), { ...loaded.session, createdAt: Date.now() - 2 * 3600_000 }, { fresh: false });
    return loaded.session;
  }

  it(`makes one refresh at the IdP for ${BURST} concurrent requests, and every request succeeds`, async (t) => {
    const cookie = await stack.signIn(createClient(), stack.a, 'alice');
    const old = await age(cookie);
    assert.ok(old.refreshToken);
    const before = stack.idp.stats.refreshRequests;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: BURST }, (_, i) => stack.get(i % 2 === 0 ? stack.a : stack.b, cookie, `/burst/${i}`)),
    );
    const elapsed = Date.now() - started;
    const refreshes = stack.idp.stats.refreshRequests - before;
    const ok = results.filter((r) => r.status === 200).length;
    // Shown in the test output: requests, successes, refreshes at the IdP, wall time.
    t.diagnostic(`refresh burst: ${BURST} requests over 2 replicas, ${ok} succeeded, ${refreshes} refresh at the IdP, ${elapsed} ms`);
    assert.equal(ok, BURST);
    assert.equal(refreshes, 1);
    const tokens = new Set(results.map((r) => (JSON.parse(r.body) as Echo).headers['x-forwarded-access-token']));
    assert.equal(tokens.size, 1, 'every request carried the same, refreshed, access token');
    assert.ok(old.accessToken && !tokens.has(old.accessToken));

    const now = await store.load(ctx(cookie));
    assert.ok(now.state === 'ok' && now.session.refreshToken !== old.refreshToken, 'the refresh token was rotated');
    assert.ok(now.state === 'ok' && Date.now() - now.session.createdAt < 60_000);
    // The rotated token keeps working: the next stale burst refreshes once more, with no sign-out.
    await age(cookie);
    const again = await Promise.all(Array.from({ length: 10 }, (_, i) => stack.get(i % 2 === 0 ? stack.b : stack.a, cookie)));
    assert.deepEqual(again.map((r) => r.status), Array(10).fill(200));
    assert.equal(stack.idp.stats.refreshRequests - before, 2);
  });

  it('ends the session when the IdP refuses the refresh token (invalid_grant)', async () => {
    const cookie = await stack.signIn(createClient(), stack.b, 'bob');
    const s = await age(cookie);
    const revoked = await request(`${stack.idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT_ID}:${TEST_CLIENT_SECRET}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: s.refreshToken!, token_type_hint: 'refresh_token' }).toString(),
    });
    await revoked.body.dump();
    assert.equal(revoked.statusCode, 200);
    const r = await stack.get(stack.a, cookie, '/', { accept: 'application/json' });
    assert.equal(r.status, 401);
    assert.ok(r.setCookies.some((c) => c.startsWith(`${COOKIE}=;`)));
    assert.equal((await store.load(ctx(cookie))).state, 'invalid');
    assert.equal((await stack.get(stack.b, cookie, '/', { accept: 'application/json' })).status, 401);
  });
});

describe('refresh coalescing in cookie mode', () => {
  it(`makes one refresh for ${BURST} concurrent requests with a rotating refresh token`, async () => {
    const stack = await startTwinStack({ args: ['--cookie-refresh=1m'], idp: { rotateRefreshToken: true } });
    try {
      const cookie = await stack.signIn(createClient(), stack.a, 'alice');
      const codec = createSessionCodec({ cookieName: COOKIE, secret: stack.cookieSecret, expireMs: WEEK_MS });
      const s = codec.decode(cookie, Date.now());
      assert.ok(s?.refreshToken);
      const stale = codec.encode({ ...s, createdAt: Date.now() - 2 * 3600_000 }, Date.now());
      const before = stack.idp.stats.refreshRequests;
      const results = await Promise.all(Array.from({ length: BURST }, () => stack.get(stack.a, stale)));
      assert.deepEqual(results.map((r) => r.status), Array(BURST).fill(200));
      assert.equal(stack.idp.stats.refreshRequests - before, 1);
      const renewed = results.flatMap((r) => r.setCookies).filter((c) => c.startsWith(`${COOKIE}=`));
      assert.equal(renewed.length, BURST, 'every response carries the refreshed cookie');
      const fresh = codec.decode(renewed[0]!.split(';')[0]!.slice(COOKIE.length + 1), Date.now());
      assert.ok(fresh && fresh.refreshToken !== s.refreshToken);
    } finally {
      await stack.close();
    }
  });
});
