// Decoded Redis sessions, kept in memory only while Redis itself tells this process about every
// change to them (server-assisted client-side caching). A browser sends the same ticket on every
// request, and reading, decrypting and parsing the stored session was most of the authenticated
// request's work. Another replica may sign the session out, revoke it or refresh it at any moment,
// so an entry is trusted only while the invalidation channel is known to work:
//
// - Tracking is in broadcast mode with the cookie name's key prefix. The server then notifies on
//   every write under the prefix, whoever reads what: it keeps no per-key state for us (its memory
//   does not grow with sessions × replicas), and nothing depends on which connection did a read.
//   The price is that every replica hears of every session write, which are rare next to reads
//   (sign-ins, refreshes, sign-outs). Invalidations go to a second connection, subscribed to the
//   invalidation channel, because the main connection speaks RESP2 and carries the requests.
// - The cache is on only after an end-to-end check: a write under the prefix from the main
//   connection must come back as an invalidation on the subscriber. That also catches the two
//   connections landing on different servers (Sentinel during a failover), where the redirect
//   would point at nobody, or at somebody else.
// - Any close or reconnect of either connection empties the cache and turns it off until the check
//   passes again: tracking state lives in the server's connection and is gone with it, and
//   invalidations sent while the subscriber was away are lost.
// - An invalidation that arrives while a read of that key is in flight (reply and invalidation
//   travel on different connections, in either order) makes that read's result uncacheable.
// - Entries also expire after a short TTL, as a safety net, and the cache is bounded in bytes.
// - A session is cached from its second read on. Sessions used once (a crawler, a health check with
//   a fresh sign-in each time) would otherwise churn the cache, and every entry evicted after
//   outliving a young-generation collection is old-space garbage: many distinct sessions then grew
//   the heap by tens of MiB, against a few without the cache.
//
// A server that refuses tracking (before 6.0, or an ACL without CLIENT or the channel) is noted once
// and the store runs without the cache. Cluster is not cached: tracking and its redirect are per
// node, so it would need a subscriber per primary, re-created on every slot move.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';
import type { SessionState } from './state.js';

/** Longest a decoded session is used without reading it again, however healthy the channel. */
export const REDIS_CACHE_TTL_MS = 10_000;
// A few thousand typical sessions; the memory target holds whatever the number of sessions.
const REDIS_CACHE_MAX_BYTES = 4 * 1024 * 1024;
const INVALIDATE_CHANNEL = '__redis__:invalidate';
/** How long the end-to-end check waits for its own invalidation. */
const CHECK_TIMEOUT_MS = 2_000;
/** Retry after a check that failed for a reason that may pass (a failover in progress). */
const RETRY_MS = 5_000;
/** Recently read ids, one 32-bit tag per slot: a fixed 16 KiB, nothing allocated per read. */
const SEEN_SLOTS = 4096;

interface Entry {
  secret: Buffer;
  session: SessionState;
  /** ms (store clock) */
  until: number;
}

/** One read of a key; marked stale by an invalidation of the key before the read completes. */
export interface ReadToken {
  id: string;
  epoch: number;
  stale: boolean;
}

export interface RedisSessionCache {
  get(id: string, secret: Buffer, nowMs: number): SessionState | undefined;
  /** Call synchronously before sending the read; undefined when the cache is off. */
  beginRead(id: string): ReadToken | undefined;
  /** Keeps the read's result unless something changed the key, or the channel, meanwhile. */
  put(token: ReadToken, secret: Buffer, session: SessionState, nowMs: number, sizeHint: number): void;
  endRead(token: ReadToken | undefined): void;
  /** Before this process writes or deletes the key: its own change must not wait for the echo. */
  evict(id: string): void;
  active(): boolean;
  close(): Promise<void>;
}

export interface RedisSessionCacheOptions {
  client: Redis;
  /** Every key the cache may hold starts with this; also the tracking prefix. */
  prefix: string;
  /** Logged once when the server refuses tracking. */
  onInfo?: (detail: string) => void;
  ttlMs?: number;
  maxBytes?: number;
  /** Interval for keeping the subscriber connection from idling out; 0 = off. */
  heartbeatMs?: number;
}

function isRefusal(err: unknown): boolean {
  // Replies the server will give again next time: no such command or subcommand, or not allowed.
  if (!(err instanceof Error) || err.name !== 'ReplyError') return false;
  return !/redirect to does not exist/i.test(err.message);
}

export function createRedisSessionCache(opts: RedisSessionCacheOptions): RedisSessionCache {
  const { client, prefix } = opts;
  const ttlMs = opts.ttlMs ?? REDIS_CACHE_TTL_MS;
  const entries = new LRUCache<string, Entry>({ maxSize: opts.maxBytes ?? REDIS_CACHE_MAX_BYTES });
  const reading = new Map<string, Set<ReadToken>>();
  let on = false;
  /** Bumped by every disruption: a read begun before it is never cached. */
  let epoch = 0;
  let refused = false;
  let closed = false;
  let subId: number | undefined;
  let retry: NodeJS.Timeout | undefined;
  const checks = new Map<string, () => void>();
  const seen = new Uint32Array(SEEN_SLOTS);

  /** Whether the id was read recently (a collision only admits a session one read early). */
  function seenBefore(id: string): boolean {
    // Ids end in 32 random hex digits: 12 bits pick the slot, 32 more are the tag.
    const n = id.length;
    const slot = parseInt(id.slice(n - 3), 16) & (SEEN_SLOTS - 1);
    const tag = (parseInt(id.slice(n - 11, n - 3), 16) >>> 0) || 1;
    if (seen[slot] === tag) return true;
    seen[slot] = tag;
    return false;
  }

  // Not auto-resubscribed: after a reconnect its new id must be read before it subscribes again.
  const sub = client.duplicate({ autoResubscribe: false, lazyConnect: true });

  function disrupt(): void {
    on = false;
    epoch++;
    entries.clear();
  }

  function invalidate(id: string): void {
    entries.delete(id);
    const tokens = reading.get(id);
    if (tokens) for (const t of tokens) t.stale = true;
  }

  sub.on('error', () => { /* close follows; the main connection's errors are what the log reports */ });
  sub.on('close', () => { subId = undefined; disrupt(); });
  sub.on('reconnecting', () => { subId = undefined; disrupt(); });
  sub.on('messageBuffer', (channel: Buffer, payload: unknown) => {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    // null: the whole database was flushed.
    if (!Array.isArray(payload)) return disrupt();
    for (const k of payload) {
      const key = String(k);
      invalidate(key);
      checks.get(key)?.();
    }
  });
  sub.on('ready', () => {
    void (async () => {
      try {
        const id = Number(await sub.client('ID'));
        await sub.subscribe(INVALIDATE_CHANNEL);
        if (sub.status !== 'ready') return;
        subId = id;
        await establish();
      } catch (err) {
        failed(err);
      }
    })();
  });

  client.on('close', disrupt);
  client.on('reconnecting', disrupt);
  client.on('ready', () => {
    if (closed || refused) return;
    if (sub.status === 'wait') sub.connect().catch(() => { /* retried by its own strategy */ });
    else void establish();
  });

  const heartbeat = (opts.heartbeatMs ?? 0) > 0
    ? setInterval(() => { if (sub.status === 'ready') sub.ping().catch(() => {}); }, opts.heartbeatMs)
    : undefined;
  heartbeat?.unref();

  function failed(err: unknown): void {
    if (closed) return;
    disrupt();
    if (isRefusal(err)) {
      if (!refused) {
        refused = true;
        opts.onInfo?.(`Redis refused client-side caching (${err instanceof Error ? err.message : String(err)}); every request reads its session from Redis`);
      }
      sub.disconnect();
      return;
    }
    scheduleRetry();
  }

  function scheduleRetry(): void {
    if (retry || closed || refused) return;
    retry = setTimeout(() => { retry = undefined; void establish(); }, RETRY_MS);
    retry.unref();
  }

  let establishing = false;
  let again = false;
  async function establish(): Promise<void> {
    if (establishing) {
      again = true;
      return;
    }
    if (closed || refused || on) return;
    if (client.status !== 'ready' || sub.status !== 'ready' || subId === undefined) return;
    establishing = true;
    const started = epoch;
    try {
      // Off first: a redirect to a subscriber that has since reconnected cannot be changed in place.
      await client.call('CLIENT', 'TRACKING', 'OFF');
      await client.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subId), 'BCAST', 'PREFIX', prefix);
      const key = `${prefix}cache-check-${randomBytes(8).toString('hex')}`;
      const heard = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => { checks.delete(key); resolve(false); }, CHECK_TIMEOUT_MS);
        checks.set(key, () => { clearTimeout(timer); checks.delete(key); resolve(true); });
      });
      await client.set(key, '1', 'PX', CHECK_TIMEOUT_MS);
      const ok = await heard;
      if (closed) return;
      if (!ok) {
        scheduleRetry();
        return;
      }
      // Anything that went wrong meanwhile leaves the cache off; its own events retry.
      if (epoch === started && client.status === 'ready' && sub.status === 'ready') on = true;
    } catch (err) {
      failed(err);
    } finally {
      establishing = false;
      if (again) {
        again = false;
        void establish();
      }
    }
  }

  return {
    get(id, secret, nowMs) {
      if (!on) return undefined;
      const e = entries.get(id);
      if (e === undefined) return undefined;
      if (e.until <= nowMs) {
        entries.delete(id);
        return undefined;
      }
      // The id is no secret (it is the key); only the holder of the secret gets the session.
      return e.secret.length === secret.length && timingSafeEqual(e.secret, secret) ? e.session : undefined;
    },
    beginRead(id) {
      if (!on) return undefined;
      const token: ReadToken = { id, epoch, stale: false };
      let set = reading.get(id);
      if (set === undefined) reading.set(id, (set = new Set()));
      set.add(token);
      return token;
    },
    put(token, secret, session, nowMs, sizeHint) {
      if (!on || token.stale || token.epoch !== epoch || secret.length !== 16 || !seenBefore(token.id)) return;
      // The session is about as big as its JSON (the stored value's size); 512 for the rest.
      entries.set(token.id, { secret: Buffer.from(secret), session, until: nowMs + ttlMs }, { size: 2 * sizeHint + 512 });
    },
    endRead(token) {
      if (token === undefined) return;
      const set = reading.get(token.id);
      if (set === undefined) return;
      set.delete(token);
      if (set.size === 0) reading.delete(token.id);
    },
    evict: invalidate,
    active: () => on,
    async close() {
      closed = true;
      disrupt();
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      if (sub.status === 'ready') await sub.quit().catch(() => {});
      sub.disconnect();
    },
  };
}
