// The default store: the whole session travels in the cookie, encrypted and signed, split into
// `_N` parts when large. Stateless, so nothing to lock and nothing to reach for readiness.
//
// Decoded sessions are cached briefly (see createDecodedSessionCache): a browser sends the same
// cookie on every request, and verifying and decrypting it was the largest part of the
// authenticated request's own work.

import { chunkCookieName } from './names.js';
import { clearChunked, readChunked, writeChunked } from './chunks.js';
import { LRUCache } from 'lru-cache';
import { createSessionCodec } from './codec.js';
import { signedValueTimeMs } from './signed-value.js';
import type { SessionState } from './state.js';
import { pickCookieDomain, type CookieAttributes, type SameSite } from './cookies.js';
import type { CookieContext, LoadResult, SessionStore } from './store.js';

export type { CookieContext, LoadResult, SessionStore } from './store.js';
export { sessionCookieMatcher } from './names.js';

export interface CookieOptions {
  name: string;
  secret: string;
  domains: string[];
  path: string;
  /** Cookie lifetime and signed-timestamp window; 0 = browser-session cookie without age limit. */
  expireMs: number;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  /** Clock, replaceable in tests. */
  now?: () => number;
  /** How long a decoded session is reused without decoding the cookie again; 0 disables. Default DECODED_CACHE_TTL_MS. */
  decodedCacheTtlMs?: number;
}

/**
 * Short, because it is the longest a decoded session is used without the cookie being checked
 * again. For this store that changes nothing a user could observe: the cookie carries the whole
 * session, its verdict only changes when its signed timestamp passes --cookie-expire, and entries
 * never outlive that (nor are they kept past a sign-out from this process). The short TTL bounds
 * how long an idle session's tokens stay in memory. A cached session is still checked against
 * --cookie-refresh on every request by the session step (its createdAt is what the cookie says),
 * so the cache never delays a refresh.
 *
 * The Redis store caches differently (redis-session-cache.ts): there the stored value is the truth,
 * and a sign-out or back-channel logout handled by another replica must take effect here at once,
 * so its entries live only while Redis reports every change to them.
 */
export const DECODED_CACHE_TTL_MS = 30_000;
// Entries are sized by the cookie's length (the decoded session is about as big): some thousand
// typical sessions, and never more than a few MiB whatever the traffic (memory target ≤ 50 MiB).
const DECODED_CACHE_MAX_BYTES = 4 * 1024 * 1024;

interface CachedSession {
  /** The whole cookie value it was decoded from: a hit needs this exact value. */
  value: string;
  session: SessionState;
  /** ms (store clock): the entry is not used from then on. */
  until: number;
}

/**
 * A bounded map from a cookie value to the session it decodes to. Keyed by the value's signature
 * field: an HMAC-SHA256 the cookie already carries, so the key costs no hashing (hashing the whole
 * value per request showed up in profiles) and has a fixed size. A hit still requires the stored
 * value to equal the presented one byte for byte, so a tampered cookie (even one keeping a genuine
 * signature) always misses and goes through full verification. Keeping the value costs no more
 * secrecy than the decoded session beside it, which holds the same tokens. Only good,
 * current-format sessions are cached: rejections are logged and cleared each time, and legacy ones
 * are re-saved in our format on first use.
 */
function createDecodedSessionCache(ttlMs: number) {
  const entries = new LRUCache<string, CachedSession>({ maxSize: DECODED_CACHE_MAX_BYTES });
  return {
    get(value: string, nowMs: number): SessionState | undefined {
      const key = signatureOf(value);
      const e = key === undefined ? undefined : entries.get(key);
      if (e === undefined || e.value !== value) return undefined;
      if (e.until > nowMs) return e.session;
      entries.delete(key!);
      return undefined;
    },
    set(value: string, session: SessionState, nowMs: number, expireMs: number): void {
      const key = signatureOf(value);
      if (key === undefined) return;
      let until = nowMs + ttlMs;
      // Never past the signed timestamp's validity: an expired cookie is refused, cached or not.
      if (expireMs > 0) {
        const signedAt = signedValueTimeMs(value);
        if (signedAt === undefined) return;
        until = Math.min(until, signedAt + expireMs);
      }
      // The value and the session are about the same size; 512 for the rest of the entry.
      if (until > nowMs) entries.set(key, { value, session, until }, { size: 2 * value.length + 512 });
    },
    delete(value: string): void {
      const key = signatureOf(value);
      if (key !== undefined && entries.get(key)?.value === value) entries.delete(key);
    },
  };
}

/** The last `|` field of a signed value (its MAC), or undefined if there is none. */
function signatureOf(value: string): string | undefined {
  const bar = value.lastIndexOf('|');
  return bar === -1 ? undefined : value.slice(bar + 1);
}

export function createCookieSessionStore(opts: CookieOptions): SessionStore {
  const { name, secret, path, expireMs, secure, httpOnly, sameSite } = opts;
  const domains = [...opts.domains];
  const now = opts.now ?? Date.now;
  const codec = createSessionCodec({ cookieName: name, secret, expireMs });
  const maxAgeSeconds = expireMs > 0 ? Math.floor(expireMs / 1000) : undefined;
  const firstChunk = chunkCookieName(name, 0);
  const ttl = opts.decodedCacheTtlMs ?? DECODED_CACHE_TTL_MS;
  const cache = ttl > 0 ? createDecodedSessionCache(ttl) : undefined;

  function attrs(ctx: CookieContext): CookieAttributes {
    return { domain: pickCookieDomain(ctx.host, domains), path, maxAgeSeconds, httpOnly, secure, sameSite };
  }

  return {
    async load(ctx): Promise<LoadResult> {
      // Requests without the cookie skip all crypto.
      if (!ctx.cookies.has(name) && !ctx.cookies.has(firstChunk)) return { state: 'none' };
      const value = readChunked(ctx.cookies, name);
      if (value === undefined || value === '') return { state: 'none' };
      const t = now();
      const hit = cache?.get(value, t);
      if (hit !== undefined) return { state: 'ok', session: hit };
      const r = codec.decodeResult(value, t);
      if (!r.ok) return { state: 'invalid', reason: r.reason };
      if (r.legacy) return { state: 'ok', session: r.session, legacy: true };
      cache?.set(value, r.session, t, expireMs);
      return { state: 'ok', session: r.session };
    },
    async save(ctx, s) {
      return writeChunked(ctx.cookies, name, codec.encode(s, now()), attrs(ctx));
    },
    async clear(ctx) {
      // Sign-out, or a session the policy refused: this process stops using it at once.
      if (cache !== undefined) {
        const value = readChunked(ctx.cookies, name);
        if (value !== undefined && value !== '') cache.delete(value);
      }
      return clearChunked(ctx.cookies, name, attrs(ctx));
    },
    async verifyConnection() {},
  };
}
