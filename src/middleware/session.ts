// Session step: read the session cookie (only when one is present), decode it once, and refresh it
// when it is older than --cookie-refresh. Refreshes of one session are single-flight inside the
// process, so a burst of requests on a stale session makes one call to the provider.
import type { SessionLoader } from '../http/pipeline.js';
import type { RequestScope } from '../http/scope.js';
import type { Log } from '../log.js';
import { ProviderError, type Provider } from '../providers/provider.js';
import { cookieContextOf } from '../http/cookie-context.js';
import type { CookieContext, SessionStore } from '../session/store.js';
import type { SessionState } from '../session/state.js';

export interface SessionStepDeps {
  store: SessionStore;
  provider: Provider;
  cookieRefreshMs: number;
  log: Log;
  now?: () => number;
}


export function makeSessionLoader(deps: SessionStepDeps): SessionLoader {
  const now = deps.now ?? Date.now;
  // Refreshes in progress, and for a short while after, the result: requests that were sent with the
  // old cookie before the browser got the new one reuse the refreshed session instead of refreshing
  // again (a rotated refresh token would otherwise be spent twice).
  const recent = new Map<string, { result: Promise<SessionState | undefined>; until: number }>();
  const REUSE_MS = 30_000;

  function sweep(t: number): void {
    for (const [k, v] of recent) if (v.until <= t) recent.delete(k);
  }

  async function refresh(ctx: CookieContext, scope: RequestScope, s: SessionState): Promise<SessionState | undefined> {
    const key = s.refreshToken ?? `${s.user}\u0000${s.createdAt}`;
    const t = now();
    let entry = recent.get(key);
    if (!entry || entry.until <= t) {
      if (recent.size > 1000) sweep(t);
      entry = { result: doRefresh(s, scope), until: Number.POSITIVE_INFINITY };
      recent.set(key, entry);
      const settled = entry;
      settled.result.finally(() => { settled.until = now() + REUSE_MS; }).catch(() => {});
    }
    const fresh = await entry.result;
    if (fresh === undefined) {
      scope.setCookies.push(...(await deps.store.clear(ctx)));
      return undefined;
    }
    if (fresh !== s) scope.setCookies.push(...(await deps.store.save(ctx, fresh)));
    return fresh;
  }

  async function doRefresh(s: SessionState, scope: RequestScope): Promise<SessionState | undefined> {
    if (!deps.provider.supportsRefresh || !s.refreshToken) {
      // Nothing to refresh with: re-save so the session's age restarts, as oauth2-proxy does.
      return { ...s, createdAt: now() };
    }
    try {
      const fresh = await deps.provider.refresh(s);
      deps.log.info('session refreshed', { request_id: scope.id, user: s.user });
      return fresh;
    } catch (err) {
      if (err instanceof ProviderError && err.fatal) {
        deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: s.user, status: 'AuthFailure', reason: `refresh refused by provider (${err.code}); session ended` });
        return undefined;
      }
      // A provider outage must not log everyone out: keep the session and try again next request.
      deps.log.warn('session refresh failed; keeping the current session', { request_id: scope.id, user: s.user, code: err instanceof ProviderError ? err.code : 'error' });
      return s;
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
    if (deps.cookieRefreshMs > 0 && now() - s.createdAt > deps.cookieRefreshMs) {
      const fresh = await refresh(ctx, scope, s);
      if (fresh === undefined) return undefined;
      s = fresh;
    }
    scope.session = s;
    scope.user = s.email || s.user;
    return s;
  };
}
