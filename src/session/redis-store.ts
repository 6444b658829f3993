// Sessions kept in Redis. The browser holds only a signed ticket (see ticket.ts); the session is
// sealed with the ticket's own key and expires with the cookie. Every sign-in mints a new ticket, a
// refresh updates the value in place (never recreating a session deleted meanwhile), and each
// session is indexed by its subject and IdP session id so it can be revoked from anywhere.
//
// Decoded sessions are cached while Redis reports every change to them (see
// redis-session-cache.ts); this process's own writes drop the entry without waiting for Redis.

import { createHmac, randomBytes } from 'node:crypto';
import { ProxyError } from '../errors.js';
import { clearChunked, writeChunked } from './chunks.js';
import { sessionSubject } from './claims.js';
import { sessionFromJson, sessionToJson } from './codec.js';
import { pickCookieDomain, type CookieAttributes } from './cookies.js';
import type { CookieOptions } from './cookie-store.js';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connect.js';
import { createRedisSessionCache, type RedisSessionCache } from './redis-session-cache.js';
import { decodeLegacyRedisValue } from './legacy.js';
import { endedSessions } from './redis-ended.js';
import { signValue, verifySignedValue } from './signed-value.js';
import type { SessionState } from './state.js';
import type { CookieContext, LoadResult, RefreshLock, RevokeTarget, SessionStore } from './store.js';
import { decodeTicket, encodeTicket, mintTicket, openWithTicket, sealWithTicket, type Ticket } from './ticket.js';

export interface RedisStoreOptions {
  client: RedisClient;
  cookie: CookieOptions;
  /** Connection state changes, and the session cache being unavailable ('info'), for the log; never carries secrets. */
  onConnectionEvent?: (event: 'lost' | 'restored' | 'info', detail: string) => void;
  /**
   * --redis-connection-idle-timeout in ms: a PING at half this interval keeps the connection from
   * sitting idle long enough for the server (or a load balancer) to drop it. 0 = off.
   */
  idleTimeoutMs?: number;
  /** false: every request reads its session from Redis. Default true (never with Cluster). */
  sessionCache?: boolean;
}

export interface RedisSessionStore extends SessionStore {
  /** Connects and writes, reads and deletes a probe key; rejects with the reason. */
  probe(): Promise<void>;
  close(): Promise<void>;
  /** Whether loads may currently be answered from memory. */
  sessionCacheActive(): boolean;
}

/** A refresh that takes longer than this lets another replica try; it must exceed the provider timeout. */
const LOCK_TTL_MS = 30_000;
/** How long a replica waits for another's refresh before serving the session as it is. */
const LOCK_WAIT_MS = 5_000;
const LOCK_POLL_MS = 15;
/** A connection lost this recently is waited for (a failover, a restart); after that, fail fast. */
const RECONNECT_GRACE_MS = 3_000;

const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

function unavailable(cause: unknown): ProxyError {
  return new ProxyError('SERVICE_UNAVAILABLE', 'Sessions cannot be read right now because the session store is unreachable. Please try again in a moment.', { cause, expose: true });
}

export function createRedisSessionStore(opts: RedisStoreOptions): RedisSessionStore {
  const { client } = opts;
  const { name, secret, path, expireMs, secure, httpOnly, sameSite } = opts.cookie;
  const domains = [...opts.cookie.domains];
  const now = opts.cookie.now ?? Date.now;
  const maxAgeSeconds = expireMs > 0 ? Math.floor(expireMs / 1000) : undefined;
  const ttl = (): Array<string | number> => (expireMs > 0 ? ['PX', expireMs] : []);

  let lostAt = 0;
  let everReady = false;
  client.on('ready', () => {
    if (lostAt !== 0) opts.onConnectionEvent?.('restored', 'connection to Redis restored');
    lostAt = 0;
    everReady = true;
  });
  const lost = (detail: string) => {
    if (lostAt === 0 && everReady) {
      lostAt = Date.now();
      opts.onConnectionEvent?.('lost', detail);
    }
  };
  client.on('error', (err: Error) => lost(err.message));
  client.on('close', () => lost('connection closed'));

  const heartbeat = (opts.idleTimeoutMs ?? 0) > 0
    ? setInterval(() => { if (client.status === 'ready') client.ping().catch(() => {}); }, Math.max(500, (opts.idleTimeoutMs ?? 0) / 2))
    : undefined;
  heartbeat?.unref();

  // Cluster: see redis-session-cache.ts for why it is not cached.
  const cache: RedisSessionCache | undefined = opts.sessionCache === false || client.isCluster
    ? undefined
    : createRedisSessionCache({
      client: client as Redis,
      prefix: `${name}-`,
      onInfo: (detail) => opts.onConnectionEvent?.('info', detail),
      heartbeatMs: (opts.idleTimeoutMs ?? 0) > 0 ? Math.max(500, (opts.idleTimeoutMs ?? 0) / 2) : 0,
    });

  const ended = endedSessions(client, name);

  async function connected(): Promise<void> {
    if (client.status === 'ready') return;
    const left = lostAt === 0 ? 0 : RECONNECT_GRACE_MS - (Date.now() - lostAt);
    if (left <= 0) throw unavailable(new Error(`redis connection is ${client.status}`));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { client.off('ready', onReady); reject(unavailable(new Error('redis did not reconnect in time'))); }, left);
      const onReady = () => { clearTimeout(timer); resolve(); };
      client.once('ready', onReady);
    });
  }

  async function run<T>(fn: () => Promise<T>): Promise<T> {
    await connected();
    try {
      return await fn();
    } catch (err) {
      throw unavailable(err);
    }
  }

  /**
   * A write or delete of a session by this process. Its entry goes before the command is sent (so a
   * read in flight is not cached) and again once it is done (a read sent just before it on the same
   * connection may have been cached meanwhile); the invalidation echo would come too late for the
   * very next request.
   */
  async function changing<T>(id: string, fn: () => Promise<T>): Promise<T> {
    cache?.evict(id);
    try {
      return await run(fn);
    } finally {
      cache?.evict(id);
    }
  }

  function attrs(ctx: CookieContext): CookieAttributes {
    return { domain: pickCookieDomain(ctx.host, domains), path, maxAgeSeconds, httpOnly, secure, sameSite };
  }

  function readTicket(ctx: CookieContext): Ticket | undefined {
    const value = ctx.cookies.get(name);
    if (value === undefined || value === '') return undefined;
    const payload = verifySignedValue(name, value, secret, expireMs, now());
    return payload === undefined ? undefined : decodeTicket(name, payload.toString('utf8'));
  }

  function cookieLines(ctx: CookieContext, t: Ticket): string[] {
    return writeChunked(ctx.cookies, name, signValue(name, Buffer.from(encodeTicket(t), 'utf8'), secret, now()), attrs(ctx));
  }

  function indexKey(kind: 'sub' | 'sid' | 'psub', value: string): string {
    // Hashed so the store does not list user ids in clear.
    return `${name}-idx-${kind}-${createHmac('sha256', secret).update(kind).update('\0').update(value).digest('hex').slice(0, 40)}`;
  }

  function indexKeys(s: SessionState): string[] {
    const who = sessionSubject(s);
    const keys = [indexKey('sub', who.sub)];
    if (who.sid) keys.push(indexKey('sid', who.sid));
    // The subject within its issuer, for revokes that must not reach another provider's users.
    if (s.providerId) keys.push(indexKey('psub', `${s.providerId}\0${who.sub}`));
    return keys;
  }

  async function index(t: Ticket, s: SessionState): Promise<void> {
    await Promise.all(indexKeys(s).map(async (key) => {
      await client.sadd(key, t.id);
      if (expireMs > 0) await client.pexpire(key, expireMs);
      else await client.persist(key);
    }));
  }

  async function readSession(t: Ticket): Promise<SessionState | undefined> {
    const raw = await run(() => client.getBuffer(t.id));
    if (raw === null) return undefined;
    const plain = openWithTicket(t, raw);
    return plain === undefined ? decodeLegacyRedisValue(raw, t.secret) : sessionFromJson(plain.toString('utf8'));
  }

  function seal(t: Ticket, s: SessionState): Buffer {
    return sealWithTicket(t, Buffer.from(sessionToJson(s), 'utf8'));
  }

  return {
    async load(ctx): Promise<LoadResult> {
      if (!ctx.cookies.has(name)) return { state: 'none' };
      const t = readTicket(ctx);
      if (t === undefined) return { state: 'invalid', reason: 'ticket signature invalid, expired or malformed' };
      const hit = cache?.get(t.id, t.secret, now());
      if (hit !== undefined) return { state: 'ok', session: hit };
      const token = cache?.beginRead(t.id);
      try {
        const raw = await run(() => client.getBuffer(t.id));
        if (raw === null) return { state: 'invalid', reason: 'session does not exist (signed out, revoked or expired)' };
        const plain = openWithTicket(t, raw);
        if (plain === undefined) {
          // Stored by oauth2-proxy under the same ticket before the swap; re-saved in our format on use, so not cached.
          const legacy = decodeLegacyRedisValue(raw, t.secret);
          return legacy === undefined ? { state: 'invalid', reason: 'stored session does not decrypt' } : { state: 'ok', session: legacy, legacy: true };
        }
        const session = sessionFromJson(plain.toString('utf8'));
        if (session === undefined) return { state: 'invalid', reason: 'stored session has the wrong shape' };
        if (token !== undefined) cache?.put(token, t.secret, session, now(), raw.length);
        return { state: 'ok', session };
      } finally {
        cache?.endRead(token);
      }
    },

    async save(ctx, s, o = {}) {
      const existing = readTicket(ctx);
      if (o.fresh === false && existing !== undefined) {
        if (o.cookieOnly) return cookieLines(ctx, existing);
        const done = await changing(existing.id, () => client.set(existing.id, seal(existing, s), ...(ttl() as ['PX', number]), 'XX'));
        // Deleted meanwhile (signed out elsewhere): the session stays ended.
        if (done !== 'OK') return clearChunked(ctx.cookies, name, attrs(ctx));
        await run(() => index(existing, s));
        return cookieLines(ctx, existing);
      }
      const t = mintTicket(name);
      await run(() => client.set(t.id, seal(t, s), ...(ttl() as ['PX', number]), 'NX'));
      await run(() => index(t, s));
      // A ticket the browser brought is replaced, never adopted; its session (if any) ends.
      if (existing !== undefined && await changing(existing.id, () => client.del(existing.id)) > 0) ended.publish([existing.id]);
      return cookieLines(ctx, t);
    },

    async clear(ctx) {
      const t = readTicket(ctx);
      if (t !== undefined) {
        const s = await readSession(t);
        if (await changing(t.id, () => client.del(t.id)) > 0) ended.publish([t.id]);
        if (s !== undefined) await run(() => Promise.all(indexKeys(s).map((k) => client.srem(k, t.id))));
      }
      return clearChunked(ctx.cookies, name, attrs(ctx));
    },

    async verifyConnection() {
      await run(() => client.ping());
    },

    async acquireRefreshLock(ctx): Promise<RefreshLock | undefined> {
      const t = readTicket(ctx);
      if (t === undefined) return undefined;
      const key = `${t.id}.lock`;
      const token = randomBytes(16).toString('hex');
      const deadline = Date.now() + LOCK_WAIT_MS;
      for (;;) {
        const got = await run(() => client.set(key, token, 'PX', LOCK_TTL_MS, 'NX'));
        if (got === 'OK') {
          return { release: async () => { await run(() => client.eval(RELEASE_LOCK, 1, key, token)).catch(() => {}); } };
        }
        if (Date.now() >= deadline) return undefined;
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      }
    },

    async revoke(target: RevokeTarget): Promise<number> {
      const key = target.sid ? indexKey('sid', target.sid)
        : target.sub && target.providerId ? indexKey('psub', `${target.providerId}\0${target.sub}`)
        : target.sub ? indexKey('sub', target.sub) : undefined;
      if (key === undefined) return 0;
      const ids = await run(() => client.smembers(key));
      const gone: string[] = [];
      for (const id of ids) if (await changing(id, () => client.del(id)) > 0) gone.push(id);
      await run(() => client.del(key));
      ended.publish(gone);
      return gone.length;
    },

    async probe() {
      if (client.status === 'wait') {
        // connect() only says the connection closed; the error event before it says why.
        let reason: Error | undefined;
        const onError = (err: Error) => { reason ??= err; };
        client.on('error', onError);
        try {
          await client.connect();
        } catch (err) {
          throw reason ?? err;
        } finally {
          client.off('error', onError);
        }
      } else {
        await connected();
      }
      const key = `${name}-healthcheck-${randomBytes(8).toString('hex')}`;
      await client.set(key, 'ok', 'PX', 10_000);
      if ((await client.get(key)) !== 'ok') throw new Error('the probe key did not read back');
      await client.del(key);
    },

    onEnded: (listener) => ended.subscribe(listener),

    sessionCacheActive: () => cache?.active() ?? false,

    async close() {
      if (heartbeat) clearInterval(heartbeat);
      await cache?.close();
      await ended.close();
      if (client.status === 'ready') await client.quit().catch(() => {});
      // Also after QUIT: Sentinel's failover watchers hold connections of their own.
      client.disconnect();
    },
  };
}
