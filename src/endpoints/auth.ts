// <prefix>/auth: the question a gateway (nginx auth_request, Traefik/Caddy forward-auth) asks.
// Answers 202 / 401 / 403 only, never a redirect or a page, with the identity as response headers.
import { decide, decideFilters, parseRequestFilters, type Policy } from '../authz/decide.js';
import { appendSetCookies, sendText } from '../http/respond.js';
import type { Log } from '../log.js';
import type { SessionLoader } from '../middleware/session.js';
import type { SessionStore } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import { cookieContextOf } from '../http/cookie-context.js';
import type { Handler } from './handler.js';

export interface AuthDeps {
  loadSession: SessionLoader;
  store: SessionStore;
  policy: () => Policy;
  responseHeaders: (s: SessionState) => [string, string][];
  log: Log;
}

export function makeAuth(deps: AuthDeps): Handler {
  return async (req, res, scope) => {
    const session = await deps.loadSession(req, scope);
    if (!session) {
      appendSetCookies(res, scope.setCookies);
      sendText(res, 401, 'Unauthorized');
      return;
    }
    const verdict = decide(deps.policy(), session);
    if (!verdict.allow) {
      deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: scope.user, status: 'AuthFailure', reason: `unauthorized: ${verdict.reasons.join('; ')}` });
      appendSetCookies(res, [...scope.setCookies, ...(await deps.store.clear(cookieContextOf(req, scope)))]);
      sendText(res, 401, 'Unauthorized');
      return;
    }
    const filters = parseRequestFilters(scope.query);
    if (filters) {
      const f = decideFilters(filters, session);
      if (!f.allow) {
        deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: scope.user, status: 'AuthFailure', reason: f.reasons.join('; ') });
        appendSetCookies(res, scope.setCookies);
        sendText(res, 403, 'Forbidden');
        return;
      }
    }
    for (const [name, value] of deps.responseHeaders(session)) res.setHeader(name, value);
    appendSetCookies(res, scope.setCookies);
    res.statusCode = 202;
    res.setHeader('Content-Length', 0);
    res.end();
  };
}
