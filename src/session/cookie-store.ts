// The default store: the whole session travels in the cookie, encrypted and signed, split into
// `_N` parts when large. Stateless, so nothing to lock and nothing to reach for readiness.

import { chunkCookieName } from './names.js';
import { clearChunked, readChunked, writeChunked } from './chunks.js';
import { createSessionCodec } from './codec.js';
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
}

export function createCookieSessionStore(opts: CookieOptions): SessionStore {
  const { name, secret, path, expireMs, secure, httpOnly, sameSite } = opts;
  const domains = [...opts.domains];
  const now = opts.now ?? Date.now;
  const codec = createSessionCodec({ cookieName: name, secret, expireMs });
  const maxAgeSeconds = expireMs > 0 ? Math.floor(expireMs / 1000) : undefined;
  const firstChunk = chunkCookieName(name, 0);

  function attrs(ctx: CookieContext): CookieAttributes {
    return { domain: pickCookieDomain(ctx.host, domains), path, maxAgeSeconds, httpOnly, secure, sameSite };
  }

  return {
    async load(ctx): Promise<LoadResult> {
      // Requests without the cookie skip all crypto.
      if (!ctx.cookies.has(name) && !ctx.cookies.has(firstChunk)) return { state: 'none' };
      const value = readChunked(ctx.cookies, name);
      if (value === undefined || value === '') return { state: 'none' };
      const r = codec.decodeResult(value, now());
      if (!r.ok) return { state: 'invalid', reason: r.reason };
      return r.legacy ? { state: 'ok', session: r.session, legacy: true } : { state: 'ok', session: r.session };
    },
    async save(ctx, s) {
      return writeChunked(ctx.cookies, name, codec.encode(s, now()), attrs(ctx));
    },
    async clear(ctx) {
      return clearChunked(ctx.cookies, name, attrs(ctx));
    },
    async verifyConnection() {},
  };
}
