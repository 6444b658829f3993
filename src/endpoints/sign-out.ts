// <prefix>/sign_out: end the session and go to the validated `rd` target (default `/`).
// With a server-side store the session is deleted there, so its cookie replayed later, on any
// replica, is signed out. Optionally: every session of the user ends too (--sign-out-all-sessions),
// the provider is told through --backend-logout-url (a GET whose failure is only logged), and the
// browser is sent through the provider's end_session_endpoint (--oidc-rp-initiated-logout). With
// several providers, both go to the provider that issued the session.
import { cookieContextOf } from '../http/cookie-context.js';
import { appendSetCookies, redirect } from '../http/respond.js';
import type { Log } from '../log.js';
import type { Provider } from '../providers/provider.js';
import type { ProviderSet } from '../providers/registry.js';
import { sessionSubject } from '../session/claims.js';
import type { SessionState } from '../session/state.js';
import type { CookieContext, RevokeTarget, SessionStore } from '../session/store.js';
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';

export interface SignOutDeps {
  store: SessionStore;
  flow: LoginFlow;
  log: Log;
  provider?: Provider;
  /** Every provider, when there are several; the session's own one is told of the sign-out. */
  providers?: ProviderSet;
  /** --backend-logout-url; '' = off. `{id_token}` is replaced by the session's ID token. */
  backendLogoutUrl?: string;
  /** --sign-out-all-sessions */
  allSessions?: boolean;
  /** --oidc-rp-initiated-logout */
  rpInitiatedLogout?: boolean;
  backendTimeoutMs?: number;
  /** Ends what this process still holds open for ended sessions (websocket tunnels). */
  endOpen?: {
    session(ctx: CookieContext, s: SessionState | undefined): void;
    matching(target: RevokeTarget): void;
  };
}

const ID_TOKEN = '{id_token}';

export function makeSignOut(deps: SignOutDeps): Handler {
  const timeoutMs = deps.backendTimeoutMs ?? 5000;

  async function backendLogout(s: SessionState | undefined, issuer: Provider | undefined, requestId: string): Promise<void> {
    const template = deps.providers && issuer ? deps.providers.backendLogoutUrl(issuer) : (deps.backendLogoutUrl ?? '');
    if (template === '' || s === undefined) return;
    const url = template.replaceAll(ID_TOKEN, encodeURIComponent(s.idToken ?? ''));
    // The URL carries the ID token, so only its host reaches the log.
    let host = '';
    try {
      host = new URL(url).host;
      // Loaded at the first backend logout only: undici costs several MiB of memory.
      const { request } = await import('undici');
      const res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await res.body.dump();
      if (res.statusCode !== 200 && res.statusCode !== 204) {
        deps.log.warn('backend logout answered with an unexpected status', { request_id: requestId, host, status: res.statusCode });
      }
    } catch (err) {
      deps.log.warn('backend logout failed', { request_id: requestId, host, error: err instanceof Error ? err.name : 'error' });
    }
  }

  return async (req, res, scope) => {
    let target = deps.flow.redirectTarget(req, scope);
    const ctx = cookieContextOf(req, scope);
    const loaded = await deps.store.load(ctx);
    const session = loaded.state === 'ok' ? loaded.session : undefined;
    const user = session ? session.email || session.user : '';
    if (target.includes(ID_TOKEN)) target = target.replaceAll(ID_TOKEN, encodeURIComponent(session?.idToken ?? ''));

    const cleared = await deps.store.clear(ctx);
    deps.endOpen?.session(ctx, session);
    let ended = session ? 1 : 0;
    if (session && deps.allSessions && deps.store.revoke) {
      // With several providers, only the sessions of this user's provider: the same sub may be someone else at another issuer.
      const who = { sub: sessionSubject(session).sub, ...(deps.providers?.several && session.providerId ? { providerId: session.providerId } : {}) };
      ended += await deps.store.revoke(who);
      deps.endOpen?.matching(who);
    }
    const issuer = session && deps.providers ? deps.providers.of(session) : deps.provider;
    await backendLogout(session, issuer, scope.id);

    appendSetCookies(res, [...scope.setCookies, ...cleared]);
    scope.setCookies = [];
    if (user) deps.log.auth({ requestId: scope.id, client: scope.clientIp, user, status: 'AuthSuccess', reason: `signed out (${ended} session${ended === 1 ? '' : 's'} ended)` });

    const meta = deps.rpInitiatedLogout ? issuer?.logoutMetadata?.() : undefined;
    if (meta?.endSessionEndpoint && session?.idToken) {
      const end = new URL(meta.endSessionEndpoint);
      end.searchParams.set('id_token_hint', session.idToken);
      end.searchParams.set('client_id', meta.clientId);
      end.searchParams.set('post_logout_redirect_uri', new URL(target, new URL(deps.flow.callbackUrl(scope)).origin).href);
      redirect(res, end.href);
      return;
    }
    redirect(res, target);
  };
}
