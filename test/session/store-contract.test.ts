// The session-store contract against the cookie store, Redis standalone and Redis with an ACL user.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createCookieSessionStore } from '../../src/session/cookie-store.js';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { COOKIE_NAME, EXPIRE_MS, apply, cookieOptions, ctxOf, redisStore, session, storeContract, ticketOf, type Clock } from './store-contract.js';

describe('cookie store', () => {
  const clock: Clock = { now: Date.now() };
  const store = createCookieSessionStore(cookieOptions(clock));
  storeContract(() => ({ name: 'cookie', store: () => store, clock }));
});

describe('redis store, standalone', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let store: RedisSessionStore;
  before(async () => {
    server = await startRedis();
    store = await redisStore({ redisConnectionUrl: server.url }, clock);
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });
  storeContract(() => ({ name: 'redis', store: () => store, clock }));

  it('keeps the value encrypted under a key only the cookie holds, with the cookie lifetime as TTL', async () => {
    const jar = apply(new Map(), await store.save(ctxOf(new Map()), session('ivan', 'sid-i'), { fresh: true }));
    const id = ticketOf(jar);
    assert.match(id, new RegExp(`^${COOKIE_NAME}-[0-9a-f]{32}$`));
    const raw = await server.client().getBuffer(id);
    assert.ok(raw);
    for (const needle of ['ivan', 'at-ivan', 'rt-ivan', 'g1']) assert.equal(raw.includes(needle), false, `${needle} in clear`);
    const ttl = await server.client().pttl(id);
    assert.ok(ttl > EXPIRE_MS - 60_000 && ttl <= EXPIRE_MS, `ttl ${ttl}`);
    // No key of the store names the user in clear.
    const keys = await server.client().keys('*');
    assert.equal(keys.some((k) => k.includes('ivan')), false);
  });
});

describe('redis store, ACL user with password', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let store: RedisSessionStore;
  before(async () => {
    server = await startRedis({ acl: { user: 'sidecar', password: 'acl-pass-0123' } });
    store = await redisStore({ redisConnectionUrl: `redis://127.0.0.1:${server.port}`, redisUsername: 'sidecar', redisPassword: 'acl-pass-0123' }, clock);
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });
  storeContract(() => ({ name: 'redis-acl', store: () => store, clock }));

  it('takes the user and password from the URL too, and refuses wrong credentials with a clear error', async () => {
    const fromUrl = await redisStore({ redisConnectionUrl: server.url }, clock);
    await fromUrl.verifyConnection();
    await fromUrl.close();
    await assert.rejects(redisStore({ redisConnectionUrl: `redis://sidecar:wrong@127.0.0.1:${server.port}` }, clock), /WRONGPASS|invalid username-password/);
  });
});
