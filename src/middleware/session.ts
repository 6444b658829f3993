// Session step: read the session cookie (only when one is present), load the session once, and
// refresh it when it is older than --cookie-refresh.
//
// Refreshes never race. Inside the process one refresh per session is in flight at a time, and its
// result is reused for a while by requests that still carry the old state. A server-side store adds
// a short lock across replicas: the holder re-reads the session (another replica may have just
// refreshed it) before calling the provider, and the others wait, re-read and reuse its result.
// A rotated refresh token therefore is spent exactly once, and a refresh refused because another
// replica already rotated the token is recognised and does not sign the user out.
//
// With several providers, a session is refreshed by the provider that issued it; one whose provider
// is no longer configured counts as signed out.
import type { SessionLoader } from '../http/pipeline.js';
import type { RequestScope } from '../http/scope.js';
import type { Log } from '../log.js';
import { ProviderError, type Provider } from '../providers/provider.js';
import type { ProviderSet } from '../providers/registry.js';
import { cookieContextOf } from '../http/cookie-context.js';
import type { CookieContext, SessionStore } from '../session/store.js';
import type { SessionState } from '../session/state.js';

export interface SessionStepDeps {
  store: SessionStore;
  /** The default provider. */
  provider: Provider;
  /** Every provider, when there are several. */
  providers?: ProviderSet;
  cookieRefreshMs: number;
  log: Log;
  now?: () => number;
}

/**
 * What one refresh produced: the session to use (undefined: ended), whether it is already stored,
 * and the Set-Cookie lines for the request that ran it.
 */
interface Outcome {
  session: SessionState | undefined;
  stored: boolean;
  leaderCookies: string[];
}

export function makeSessionLoader(deps: SessionStepDeps): SessionLoader {
  const now = deps.now ?? Date.now;
  const recent = new Map<string, { result: Promise<Outcome>; until: number }>();
  const REUSE_MS = 30_000;
  const several = deps.providers?.several === true ? deps.providers : undefined;
  // A session of the proxy's own (htpasswd) has no provider to ask; the default one keeps it as before.
  const providerOf = (s: SessionState): Provider => several?.of(s) ?? deps.provider;
  const isDue = (s: SessionState) => deps.cookieRefreshMs > 0 && now() - s.createdAt > deps.cookieRefreshMs;

  function sweep(t: number): void {
    for (const [k, v] of recent) if (v.until <= t) recent.delete(k);
  }

  async function refresh(ctx: CookieContext, scope: RequestScope, s: SessionState): Promise<SessionState | undefined> {
    const key = s.refreshToken ?? `${s.user}\u0000${s.createdAt}`;
    const t = now();
    let entry = recent.get(key);
    let leader = false;
    if (!entry || entry.until <= t) {
      if (recent.size > 1000) sweep(t);
      leader = true;
      entry = { result: coordinated(ctx, scope, s), until: Number.POSITIVE_INFINITY };
      recent.set(key, entry);
      const settled = entry;
      settled.result.then(
        () => { settled.until = now() + REUSE_MS; },
        () => { recent.delete(key); },
      );
    }
    const out = await entry.result;
    if (leader) scope.setCookies.push(...out.leaderCookies);
    if (out.session === undefined) {
      if (!leader) scope.setCookies.push(...(await deps.store.clear(ctx)));
      return undefined;
    }
    if (out.session === s || leader) return out.session;
    // Same session state for every request, but each needs its own cookie lines (host, chunks).
    scope.setCookies.push(...(await deps.store.save(ctx, out.session, { fresh: false, cookieOnly: out.stored })));
    return out.session;
  }

  /** Runs once per session and process: the provider call, under the cross-replica lock if any. */
  async function coordinated(ctx: CookieContext, scope: RequestScope, s: SessionState): Promise<Outcome> {
    if (!deps.store.acquireRefreshLock) {
      const fresh = (await callProvider(ctx, scope, s)).session;
      if (fresh === undefined) return { session: undefined, stored: false, leaderCookies: await deps.store.clear(ctx) };
      if (fresh === s) return { session: s, stored: false, leaderCookies: [] };
      return { session: fresh, stored: false, leaderCookies: await deps.store.save(ctx, fresh, { fresh: false }) };
    }
    const lock = await deps.store.acquireRefreshLock(ctx);
    try {
      // Whoever held the lock before may have refreshed (or ended) the session already.
      const current = await deps.store.load(ctx);
      if (current.state !== 'ok') return { session: undefined, stored: true, leaderCookies: await deps.store.clear(ctx) };
      const cookieOnly = async (session: SessionState): Promise<Outcome> =>
        ({ session, stored: true, leaderCookies: await deps.store.save(ctx, session, { fresh: false, cookieOnly: true }) });
      if (!isDue(current.session)) return cookieOnly(current.session);
      // Without the lock (another replica is slow), serve the session as it is rather than race.
      if (lock === undefined) return { session: current.session, stored: true, leaderCookies: [] };
      const got = await callProvider(ctx, scope, current.session);
      if (got.session === undefined) return { session: undefined, stored: true, leaderCookies: await deps.store.clear(ctx) };
      if (got.session === current.session) return { session: got.session, stored: true, leaderCookies: [] };
      if (got.stored) return cookieOnly(got.session);
      return { session: got.session, stored: true, leaderCookies: await deps.store.save(ctx, got.session, { fresh: false }) };
    } finally {
      await lock?.release();
    }
  }

  /** The refreshed session (undefined: ended), and whether it came from the store rather than the provider. */
  async function callProvider(ctx: CookieContext, scope: RequestScope, s: SessionState): Promise<{ session: SessionState | undefined; stored: boolean }> {
    const provider = providerOf(s);
    if (!provider.supportsRefresh || !s.refreshToken) {
      // Nothing to refresh with: re-save so the session's age restarts, as oauth2-proxy does.
      return { session: { ...s, createdAt: now() }, stored: false };
    }
    try {
      const refreshed = await provider.refresh(s);
      // The provider builds the new session from tokens; what only the proxy knows carries over.
      const fresh = s.localId !== undefined && refreshed.localId === undefined ? { ...refreshed, localId: s.localId } : refreshed;
      deps.log.info('session refreshed', { request_id: scope.id, user: s.user });
      return { session: fresh, stored: false };
    } catch (err) {
      if (err instanceof ProviderError && err.fatal) {
        // The token may have been rotated by another replica whose lock we outlived: if the stored
        // session moved on, it is the one to use.
        const stored = deps.store.acquireRefreshLock ? await deps.store.load(ctx) : undefined;
        if (stored?.state === 'ok' && stored.session.refreshToken !== s.refreshToken) return { session: stored.session, stored: true };
        deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: s.user, status: 'AuthFailure', reason: `refresh refused by provider (${err.code}); session ended` });
        return { session: undefined, stored: false };
      }
      // A provider outage must not log everyone out: keep the session and try again next request.
      deps.log.warn('session refresh failed; keeping the current session', { request_id: scope.id, user: s.user, code: err instanceof ProviderError ? err.code : 'error' });
      return { session: s, stored: false };
    }
  }

  return async function loadSession(req, scope) {
    if (req.headers.cookie === undefined) return undefined;
    const ctx = cookieContextOf(req, scope);
    const loaded = await deps.store.load(ctx);
    if (loaded.state === 'none') return undefined;
    if (loaded.state === 'invalid') {
      deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: '', status: 'AuthFailure', reason: `session cookie rejected: ${loaded.reason}` });
      scope.setCookies.push(...(await deps.store.clear(ctx)));
      return undefined;
    }
    let s = loaded.session;
    if (several !== undefined && several.of(s) === undefined && !several.isLocal(s)) {
      deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: s.email || s.user, status: 'AuthFailure', reason: 'session of a provider that is no longer configured; signed out' });
      scope.setCookies.push(...(await deps.store.clear(ctx)));
      return undefined;
    }
    // Stored once in our format before anything else, so a refresh below re-reads it as ours.
    if (loaded.legacy) scope.setCookies.push(...(await deps.store.save(ctx, s, { fresh: false })));
    if (isDue(s)) {
      const fresh = await refresh(ctx, scope, s);
      if (fresh === undefined) return undefined;
      s = fresh;
    }
    scope.session = s;
    scope.user = s.email || s.user;
    return s;
  };
}
