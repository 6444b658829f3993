// <prefix>/auth: the question a gateway (nginx auth_request, Traefik/Caddy forward-auth, Envoy
// ext_authz) asks. Answers 202 / 401 / 403 (429 when Basic sign-ins are throttled) with a short text
// body, never a redirect or a page, and the identity as response headers. A request the skip-auth
// rules let through gets 202 even without a session (with the identity headers when there is one).
// With --policy-file the original request also meets the route table: a public route is treated
// like a skip-auth one, a denial is 403 whether or not there is a session.
import { isProxyError } from '../errors.js';
import { appendSetCookies, sendText } from '../http/respond.js';
import type { Evaluate, Handler, SessionLoader } from '../http/pipeline.js';
import type { SessionStore } from '../session/store.js';
import type { SessionState } from '../session/state.js';
import { cookieContextOf } from '../http/cookie-context.js';
import type { IncomingMessage } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import type { OriginalRequest } from '../http/forwarded.js';
import type { RoutePolicy } from '../policy/gate.js';

export interface AuthDeps {
  loadSession: SessionLoader;
  store: SessionStore;
  evaluate: Evaluate;
  responseHeaders: (s: SessionState) => [string, string][];
  /** The request a trusted gateway asks about; read once, for the skip rules and the route table. */
  original: (req: IncomingMessage, scope: RequestScope) => OriginalRequest;
  /** Whether the original request needs no sign-in (skip-auth rules); absent when there are none. */
  skips?: (original: OriginalRequest) => boolean;
  /** --policy-file. */
  policy?: RoutePolicy;
}

const TEXT: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' };

export function makeAuth(deps: AuthDeps): Handler {
  const { skips, policy } = deps;
  const needsOriginal = skips !== undefined || policy !== undefined;
  return async (req, res, scope) => {
    const original = needsOriginal ? deps.original(req, scope) : undefined;
    const skip = skips !== undefined && skips(original!);
    let session: SessionState | undefined;
    try {
      session = await deps.loadSession(req, scope);
    } catch (err) {
      // A refused bearer token or throttled Basic sign-in: answer in the gateway's terms.
      if (!isProxyError(err) || TEXT[err.status] === undefined) throw err;
      appendSetCookies(res, scope.setCookies);
      sendText(res, err.status, TEXT[err.status]!);
      return;
    }
    const input = policy && !skip ? original : undefined;
    const ruled = input && policy!.decide(scope, input, session);
    const open = skip || ruled?.effect === 'public';
    const denied = () => {
      policy!.logDenied(scope, input!, ruled!);
      appendSetCookies(res, scope.setCookies);
      sendText(res, 403, 'Forbidden');
    };
    if (!session) {
      if (ruled?.effect === 'deny') return denied();
      appendSetCookies(res, scope.setCookies);
      if (open) return accepted(res);
      sendText(res, 401, 'Unauthorized');
      return;
    }
    // oauth2-proxy's split: a session the global rules refuse is 401 (and ended), a query filter 403.
    const verdict = deps.evaluate(scope, session);
    if (verdict !== 'ok' && open) {
      appendSetCookies(res, scope.setCookies);
      return accepted(res);
    }
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
    if (ruled?.effect === 'deny') return denied();
    if (scope.setCookies.length === 0) return acceptedWith(res, deps.responseHeaders(session));
    for (const [name, value] of deps.responseHeaders(session)) res.setHeader(name, value);
    appendSetCookies(res, scope.setCookies);
    accepted(res);
  };
}

/** The usual answer, in one writeHead with a flat header list: no header map is built for it. */
function acceptedWith(res: import('node:http').ServerResponse, identity: [string, string][]): void {
  const flat: string[] = [];
  for (const [name, value] of identity) flat.push(name, value);
  flat.push('Content-Length', '0');
  res.writeHead(202, flat);
  res.end();
}

function accepted(res: import('node:http').ServerResponse): void {
  res.statusCode = 202;
  res.setHeader('Content-Length', 0);
  res.end();
}
