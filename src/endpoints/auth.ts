// <prefix>/auth: the question a gateway (nginx auth_request, Traefik/Caddy forward-auth) asks.
// Answers 202 / 401 / 403 only, never a redirect or a page, with the identity as response headers.
import { appendSetCookies, sendText } from '../http/respond.js';
import type { Evaluate, Handler, SessionLoader } from '../http/pipeline.js';
import type { SessionStore } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import { cookieContextOf } from '../http/cookie-context.js';

export interface AuthDeps {
  loadSession: SessionLoader;
  store: SessionStore;
  evaluate: Evaluate;
  responseHeaders: (s: SessionState) => [string, string][];
}

export function makeAuth(deps: AuthDeps): Handler {
  return async (req, res, scope) => {
    const session = await deps.loadSession(req, scope);
    if (!session) {
      appendSetCookies(res, scope.setCookies);
      sendText(res, 401, 'Unauthorized');
      return;
    }
    // oauth2-proxy's split: a session the global rules refuse is 401 (and ended), a query filter 403.
    const verdict = deps.evaluate(scope, session);
    if (verdict === 'policy') {
      appendSetCookies(res, [...scope.setCookies, ...(await deps.store.clear(cookieContextOf(req, scope)))]);
      sendText(res, 401, 'Unauthorized');
      return;
    }
    if (verdict === 'filter') {
      appendSetCookies(res, scope.setCookies);
      sendText(res, 403, 'Forbidden');
      return;
    }
    for (const [name, value] of deps.responseHeaders(session)) res.setHeader(name, value);
    appendSetCookies(res, scope.setCookies);
    res.statusCode = 202;
    res.setHeader('Content-Length', 0);
    res.end();
  };
}
