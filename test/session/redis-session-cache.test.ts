// The Redis store's decoded-session cache against real redis-server processes: repeat loads are
// answered from memory, and every change made elsewhere (another replica, another client, a
// failover) is seen promptly; when the invalidation channel is in doubt nothing is served from memory.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createRedisClient } from '../../src/session/redis-connect.js';
import { redisOptionsOf } from '../../src/session/redis-options.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/session/redis-store.js';
import { signValue } from '../../src/session/signed-value.js';
import { encodeTicket } from '../../src/session/ticket.js';
import type { LoadResult } from '../../src/session/store.js';
import { startRedis, startSentinelSet, type RedisServer, type SentinelSet } from '../support/redis.js';
import { COOKIE_NAME, SECRET, apply, cookieOptions, ctxOf, redisFields, redisStore, session, ticketOf, type Clock } from './store-contract.js';

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function getCalls(server: RedisServer): Promise<number> {
  const stats = String(await server.client().call('INFO', 'commandstats'));
  return Number(/cmdstat_get:calls=(\d+)/.exec(stats)?.[1] ?? 0);
}

async function signIn(store: RedisSessionStore, sub: string, sid: string): Promise<Map<string, string>> {
  return apply(new Map(), await store.save(ctxOf(new Map()), session(sub, sid), { fresh: true }));
}

const userOf = (r: LoadResult) => (r.state === 'ok' ? r.session.user : r.state);

/** Loads until cached: sessions are kept from their second read on. */
async function warm(store: RedisSessionStore, jar: Map<string, string>, user: string): Promise<void> {
  for (let i = 0; i < 2; i++) assert.equal(userOf(await store.load(ctxOf(jar))), user);
}

describe('redis store session cache, standalone', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let a: RedisSessionStore;
  let b: RedisSessionStore;
  before(async () => {
    server = await startRedis();
    a = await redisStore({ redisConnectionUrl: server.url }, clock);
    b = await redisStore({ redisConnectionUrl: server.url }, clock);
    await until('tracking on both stores', () => a.sessionCacheActive() && b.sessionCacheActive());
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await server?.stop();
  });

  it('answers repeat loads without reading Redis, and sees a delete made by another client', async () => {
    const jar = await signIn(a, 'alice', 'sid-a');
    // Cached from the second read on.
    let calls = await getCalls(server);
    assert.equal(userOf(await a.load(ctxOf(jar))), 'alice');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'alice');
    assert.equal(await getCalls(server), calls + 2);
    calls = await getCalls(server);
    for (let i = 0; i < 20; i++) assert.equal(userOf(await a.load(ctxOf(jar))), 'alice');
    assert.equal(await getCalls(server), calls, 'no GET for cached loads');

    await server.client().del(ticketOf(jar));
    await until('the delete to reach the cache', async () => (await a.load(ctxOf(jar))).state === 'invalid', 2000);
  });

  it('sees a sign-out, a refresh and a revocation done by another replica', async () => {
    const jar = await signIn(a, 'bob', 'sid-b1');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'bob');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'bob');
    await b.clear(ctxOf(new Map(jar)));
    await until('the sign-out on B to reach A', async () => (await a.load(ctxOf(jar))).state === 'invalid', 2000);

    const jar2 = await signIn(a, 'bob', 'sid-b2');
    await warm(a, jar2, 'bob');
    const refreshed = session('bob', 'sid-b2', { accessToken: 'at-refreshed', createdAt: 1_700_000_900_000 });
    await b.save(ctxOf(new Map(jar2)), refreshed, { fresh: false });
    await until('the refresh on B to reach A', async () => {
      const r = await a.load(ctxOf(jar2));
      return r.state === 'ok' && r.session.accessToken === 'at-refreshed';
    }, 2000);
    assert.deepEqual(await a.load(ctxOf(jar2)), { state: 'ok', session: refreshed });

    assert.equal(await b.revoke!({ sid: 'sid-b2' }), 1);
    await until('the revocation on B to reach A', async () => (await a.load(ctxOf(jar2))).state === 'invalid', 2000);
  });

  it("applies this process's own sign-out and refresh on the very next load", async () => {
    const jar = await signIn(a, 'carol', 'sid-c');
    await warm(a, jar, 'carol');
    const refreshed = session('carol', 'sid-c', { accessToken: 'at-own-refresh' });
    await a.save(ctxOf(jar), refreshed, { fresh: false });
    assert.deepEqual(await a.load(ctxOf(jar)), { state: 'ok', session: refreshed });
    await a.clear(ctxOf(new Map(jar)));
    assert.equal((await a.load(ctxOf(jar))).state, 'invalid');
  });

  it('refuses a ticket with a genuine id and another secret while the genuine one is cached', async () => {
    const jar = await signIn(a, 'dave', 'sid-d');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'dave');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'dave');
    const forged = signValue(COOKIE_NAME, Buffer.from(encodeTicket({ id: ticketOf(jar), secret: randomBytes(16) }), 'utf8'), SECRET, clock.now);
    const r = await a.load(ctxOf(new Map([[COOKIE_NAME, forged]])));
    assert.equal(r.state, 'invalid');
    assert.equal(userOf(await a.load(ctxOf(jar))), 'dave');
  });

  it('empties and stops using the cache while the invalidation subscriber is away', async () => {
    const jar = await signIn(a, 'erin', 'sid-e');
    await warm(a, jar, 'erin');
    const admin = server.client();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until('the store to notice', () => !a.sessionCacheActive(), 2000);
    // Written while no invalidation can reach A.
    await admin.del(ticketOf(jar));
    assert.equal((await a.load(ctxOf(jar))).state, 'invalid');
    await until('tracking to be back', () => a.sessionCacheActive() && b.sessionCacheActive(), 10_000);
    assert.equal((await a.load(ctxOf(jar))).state, 'invalid');

    // And it caches again afterwards.
    const jar2 = await signIn(a, 'erin', 'sid-e2');
    assert.equal(userOf(await a.load(ctxOf(jar2))), 'erin');
    assert.equal(userOf(await a.load(ctxOf(jar2))), 'erin');
    const calls = await getCalls(server);
    assert.equal(userOf(await a.load(ctxOf(jar2))), 'erin');
    assert.equal(await getCalls(server), calls);
  });

  it('drops the cache when the main connection is lost, and re-enables tracking on the new one', async () => {
    const jar = await signIn(a, 'frank', 'sid-f');
    await warm(a, jar, 'frank');
    const admin = server.client();
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    await until('the store to notice', () => !a.sessionCacheActive(), 2000);
    await admin.del(ticketOf(jar));
    await until('tracking to be back', () => a.sessionCacheActive(), 10_000);
    assert.equal((await a.load(ctxOf(jar))).state, 'invalid');
    const jar2 = await signIn(a, 'frank', 'sid-f2');
    await warm(a, jar2, 'frank');
    await admin.del(ticketOf(jar2));
    await until('the delete to reach the cache', async () => (await a.load(ctxOf(jar2))).state === 'invalid', 2000);
  });

  it('forgets everything on FLUSHALL', async () => {
    const jar = await signIn(a, 'grace', 'sid-g');
    await warm(a, jar, 'grace');
    await server.client().flushall();
    await until('the flush to reach the cache', async () => (await a.load(ctxOf(jar))).state === 'invalid', 2000);
  });
});

describe('redis store session cache, refused by the server', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let store: RedisSessionStore;
  const infos: string[] = [];
  before(async () => {
    server = await startRedis();
    await server.client().call('ACL', 'SETUSER', 'noclient', 'on', '>pw-0123', '~*', '&*', '+@all', '-client');
    store = createRedisSessionStore({
      client: createRedisClient(redisOptionsOf(redisFields({ redisConnectionUrl: `redis://noclient:pw-0123@127.0.0.1:${server.port}` }))),
      cookie: cookieOptions(clock),
      onConnectionEvent: (event, detail) => { if (event === 'info') infos.push(detail); },
    });
    await store.probe();
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  it('says so once and reads every session from Redis', async () => {
    await until('the refusal to be noted', () => infos.length > 0);
    assert.equal(infos.length, 1);
    assert.match(infos[0]!, /client-side caching/);
    const jar = await signIn(store, 'heidi', 'sid-h');
    const calls = await getCalls(server);
    for (let i = 0; i < 3; i++) assert.equal(userOf(await store.load(ctxOf(jar))), 'heidi');
    assert.equal(await getCalls(server), calls + 3);
    assert.equal(store.sessionCacheActive(), false);
    await server.client().del(ticketOf(jar));
    assert.equal((await store.load(ctxOf(jar))).state, 'invalid');
    assert.equal(infos.length, 1);
  });
});

describe('redis store session cache, Sentinel failover', () => {
  const clock: Clock = { now: Date.now() };
  let set: SentinelSet;
  let a: RedisSessionStore;
  let b: RedisSessionStore;
  before(async () => {
    set = await startSentinelSet();
    const fields = { redisUseSentinel: true, redisSentinelMasterName: set.masterName, redisSentinelConnectionUrls: set.sentinelUrls };
    a = await redisStore(fields, clock);
    b = await redisStore(fields, clock);
    await until('tracking on both stores', () => a.sessionCacheActive() && b.sessionCacheActive(), 10_000);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await set?.stop();
  });

  it('flushes on the move to the new primary and keeps seeing changes made through it', async () => {
    const jar = await signIn(a, 'ivan', 'sid-i');
    await warm(a, jar, 'ivan');
    const oldPort = await set.primaryPort();
    const primary = oldPort === set.primary.port ? set.primary : set.replica;
    await until('the replica to catch up', async () => /slave0:.*state=online/.test(await primary.client().info('replication')), 10_000);
    assert.equal(await primary.client().call('WAIT', '1', '2000'), 1);
    await set.sentinels[0]!.client().call('SENTINEL', 'FAILOVER', set.masterName);
    await until('a new primary', async () => (await set.primaryPort()) !== oldPort, 30_000);
    await until('both stores to cache again', () => a.sessionCacheActive() && b.sessionCacheActive(), 30_000);
    assert.equal(userOf(await a.load(ctxOf(jar))), 'ivan');
    await b.clear(ctxOf(new Map(jar)));
    await until('the sign-out on B to reach A', async () => (await a.load(ctxOf(jar))).state === 'invalid', 3000);
  });
});
