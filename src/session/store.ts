// The contract every session store meets (cookie now, Redis later), so the request path and the
// endpoints never know where a session lives. Stores return Set-Cookie lines instead of touching a
// response, which keeps them testable without HTTP and usable from /oauth2/auth relays.

import type { SessionState } from './state.js';

export interface CookieContext {
  cookies: ReadonlyMap<string, string>;
  /** Request host (may carry a port); picks the cookie Domain. */
  host: string;
}

export type LoadResult =
  | { state: 'none' }
  | { state: 'ok'; session: SessionState }
  /** tampered, truncated, expired or undecodable: the caller clears it */
  | { state: 'invalid'; reason: string };

export interface SessionStore {
  load(ctx: CookieContext): Promise<LoadResult>;
  /** Set-Cookie values to append to the response. */
  save(ctx: CookieContext, s: SessionState): Promise<string[]>;
  /** Set-Cookie values expiring every session cookie the request carried. */
  clear(ctx: CookieContext): Promise<string[]>;
  /** Readiness probe; resolves when the backing storage answers. */
  verifyConnection(): Promise<void>;
}

export { sessionCookieMatcher } from './names.js';
