// The contract every session store meets (cookie, Redis), so the request path and the endpoints
// never know where a session lives. Stores return Set-Cookie lines instead of touching a response,
// which keeps them testable without HTTP and usable from /oauth2/auth relays.
//
// A store whose backing service cannot be reached throws ProxyError('SERVICE_UNAVAILABLE') from
// any method: the caller answers 503 and leaves the user's cookie alone, so nothing is lost.

import type { SessionState } from './state.js';

export interface CookieContext {
  cookies: ReadonlyMap<string, string>;
  /** Request host (may carry a port); picks the cookie Domain. */
  host: string;
}

export type LoadResult =
  | { state: 'none' }
  /** legacy: read from oauth2-proxy's format; saving it once stores it in ours. */
  | { state: 'ok'; session: SessionState; legacy?: true }
  /** tampered, truncated, expired, revoked or undecodable: the caller clears it */
  | { state: 'invalid'; reason: string };

export interface SaveOptions {
  /**
   * true (the default): a new session, stored under a newly minted ticket whatever the request
   * carried, so a ticket planted in the browser before sign-in is never adopted.
   * false: the request's own session, updated in place (refresh); never recreates a session that
   * was deleted meanwhile.
   */
  fresh?: boolean;
  /**
   * The value was already stored by a concurrent request of the same session: only this request's
   * Set-Cookie lines are wanted.
   */
  cookieOnly?: boolean;
}

/** Held while one replica refreshes a session; the others wait and then reuse its result. */
export interface RefreshLock {
  release(): Promise<void>;
}

/** Who a server-side revocation applies to: every session of a subject, or of one IdP session. */
export interface RevokeTarget {
  sub?: string;
  sid?: string;
  /**
   * With several providers, a `sub` is unique only within its issuer: set, a revoke by subject
   * ends only the sessions this provider issued.
   */
  providerId?: string;
}

export interface SessionStore {
  load(ctx: CookieContext): Promise<LoadResult>;
  /** Set-Cookie values to append to the response. */
  save(ctx: CookieContext, s: SessionState, opts?: SaveOptions): Promise<string[]>;
  /** Deletes the request's session (server-side too) and returns Set-Cookie values expiring its cookies. */
  clear(ctx: CookieContext): Promise<string[]>;
  /** Readiness probe; resolves when the backing storage answers. */
  verifyConnection(): Promise<void>;
  /**
   * Server-side stores only: mutual exclusion across replicas for refreshing the request's session.
   * Resolves undefined when the lock could not be had in time (the caller keeps the session as is).
   */
  acquireRefreshLock?(ctx: CookieContext): Promise<RefreshLock | undefined>;
  /** Server-side stores only: ends every stored session matching the target; resolves the count. */
  revoke?(target: RevokeTarget): Promise<number>;
  /**
   * Server-side stores only: calls the listener with the ticket ids of sessions ended by any process
   * sharing the store (this one included), so what is held open for them can end too.
   */
  onEnded?(listener: (ticketIds: readonly string[]) => void): void;
  /** Releases connections. */
  close?(): Promise<void>;
}

export { sessionCookieMatcher } from './names.js';
