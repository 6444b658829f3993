// GET <prefix>/sign_in: the sign-in page. It clears any session first, so it also works as a
// sign-out (oauth2-proxy restored this after a regression left sessions alive on shared devices).
import { appendSetCookies, sendHtml, sendJson, sendText } from '../http/respond.js';
import type { SessionStore } from '../session/store.js';
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';
import { cookieContextOf } from '../http/cookie-context.js';

export interface SignInDeps {
  proxyPrefix: string;
  skipProviderButton: boolean;
  store: SessionStore;
  flow: LoginFlow;
  renderSignIn: (v: { statusCode: number; redirect: string }) => string;
  csp: string | undefined;
}

export function makeSignIn(deps: SignInDeps): Handler {
  const signInPath = `${deps.proxyPrefix}/sign_in`;
  return async (req, res, scope) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const ctx = cookieContextOf(req, scope);
    if (ctx.cookies.size > 0) scope.setCookies.push(...(await deps.store.clear(ctx)));
    let target = deps.flow.redirectTarget(req, scope);
    if (target === signInPath || target.startsWith(signInPath + '?')) target = '/';
    if (deps.skipProviderButton) {
      deps.flow.start(req, res, scope, target);
      return;
    }
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    sendHtml(res, 200, deps.renderSignIn({ statusCode: 200, redirect: target }), deps.csp);
  };
}

/** The response for a protected path without a session: sign-in page (403), provider redirect, or 401 JSON. */
export interface UnauthenticatedDeps {
  skipProviderButton: boolean;
  forceJsonErrors: boolean;
  flow: LoginFlow;
  renderSignIn: (v: { statusCode: number; redirect: string }) => string;
  csp: string | undefined;
  proxyPrefix: string;
  acceptsJson: (req: import('node:http').IncomingMessage) => boolean;
}

export function makeUnauthenticated(deps: UnauthenticatedDeps): Handler {
  return (req, res, scope) => {
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    if (deps.forceJsonErrors || deps.acceptsJson(req)) {
      const target = deps.flow.redirectTarget(req, scope);
      sendJson(res, 401, {
        error: 'Unauthorized',
        code: 'UNAUTHORIZED',
        message: 'You need to sign in to access this resource.',
        sign_in_url: `${deps.proxyPrefix}/start?rd=${encodeURIComponent(target)}`,
        request_id: scope.id,
      });
      return;
    }
    const target = deps.flow.redirectTarget(req, scope);
    if (deps.skipProviderButton) {
      deps.flow.start(req, res, scope, target);
      return;
    }
    sendHtml(res, 403, deps.renderSignIn({ statusCode: 403, redirect: target }), deps.csp);
  };
}
