// GET <prefix>/sign_in: the sign-in page. It clears any session first, so it also works as a
// sign-out (oauth2-proxy restored this after a regression left sessions alive on shared devices).
// POST <prefix>/sign_in: the htpasswd login form (username, password, rd) → session cookie and 302,
// or the page again with 401.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ProxyError } from '../errors.js';
import { appendSetCookies, BACKGROUND_VARY, isBackgroundRequest, redirect, sendHtml, sendJson, sendText, setNoCache } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { SessionStore } from '../session/store.js';
import { withLocalId, type SessionState } from '../session/state.js';
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';
import { cookieContextOf } from '../http/cookie-context.js';
import { readForm } from './form.js';

/** Checks a form login; 'rate_limited' when too many attempts failed. */
export type PasswordSignIn = (user: string, password: string, scope: RequestScope) => Promise<SessionState | 'invalid' | 'rate_limited'>;

export interface SignInDeps {
  proxyPrefix: string;
  skipProviderButton: boolean;
  store: SessionStore;
  flow: LoginFlow;
  renderSignIn: (v: { statusCode: number; redirect: string }) => string;
  csp: string | undefined;
  /** Present when an htpasswd file is configured: POST logins are accepted. */
  passwordSignIn?: PasswordSignIn;
}

export function makeSignIn(deps: SignInDeps): Handler {
  const signInPath = `${deps.proxyPrefix}/sign_in`;
  const allowed = deps.passwordSignIn ? 'GET, HEAD, POST' : 'GET, HEAD';
  return async (req, res, scope) => {
    if (req.method === 'POST' && deps.passwordSignIn) return formLogin(req, res, scope, deps.passwordSignIn);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', allowed);
      sendText(res, 405, 'Method Not Allowed');
      return;
    }
    const ctx = cookieContextOf(req, scope);
    if (ctx.cookies.size > 0) scope.setCookies.push(...(await deps.store.clear(ctx)));
    let target = deps.flow.redirectTarget(req, scope);
    if (target === signInPath || target.startsWith(signInPath + '?')) target = '/';
    // With several providers there is nothing to skip to: the page offers the choice.
    if (deps.skipProviderButton && !deps.flow.choosesProvider) {
      deps.flow.start(req, res, scope, target);
      return;
    }
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    sendHtml(res, 200, deps.renderSignIn({ statusCode: 200, redirect: target }), deps.csp);
  };

  async function formLogin(req: IncomingMessage, res: ServerResponse, scope: RequestScope, check: PasswordSignIn): Promise<void> {
    // A form posted from another site could sign the victim in as the attacker (login CSRF).
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null' && hostOf(origin) !== scope.host) {
      throw new ProxyError('FORBIDDEN', 'The sign-in form was posted from another site.');
    }
    const form = await readForm(req);
    const user = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    let target = deps.flow.redirectTarget(req, scope, form.get('rd') ?? undefined);
    if (target === signInPath || target.startsWith(signInPath + '?')) target = '/';
    if (user === '' || password === '') {
      sendHtml(res, 400, deps.renderSignIn({ statusCode: 400, redirect: target }), deps.csp);
      return;
    }
    const outcome = await check(user, password, scope);
    if (outcome === 'rate_limited') throw new ProxyError('UNAUTHORIZED', 'Too many failed sign-in attempts. Try again later.', { status: 429 });
    if (outcome === 'invalid') {
      sendHtml(res, 401, deps.renderSignIn({ statusCode: 401, redirect: target }), deps.csp);
      return;
    }
    appendSetCookies(res, [...scope.setCookies, ...(await deps.store.save(cookieContextOf(req, scope), withLocalId(outcome)))]);
    scope.setCookies = [];
    redirect(res, target);
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
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
  /** --api-route: such requests get the 401 JSON answer, never a page or a redirect. */
  isApi?: (req: IncomingMessage, scope: RequestScope) => boolean;
  /**
   * --spa-unauthenticated-json: a page's background requests get 401 JSON whose sign_in_url comes back
   * to that page. The validator is the one every `rd` passes.
   */
  spaJson?: { isValidRedirect: (target: string) => boolean };
}

export function makeUnauthenticated(deps: UnauthenticatedDeps): Handler {
  const prefix = deps.proxyPrefix;
  const body = (scope: RequestScope, target: string) => ({
    error: 'Unauthorized',
    code: 'UNAUTHORIZED',
    message: 'You need to sign in to access this resource.',
    // With several providers the page lets the user choose; otherwise straight to the provider.
    sign_in_url: `${prefix}/${deps.flow.choosesProvider ? 'sign_in' : 'start'}?rd=${encodeURIComponent(target)}`,
    request_id: scope.id,
  });
  return (req, res, scope) => {
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    if (deps.spaJson && isBackgroundRequest(req)) {
      // The page's own URL, not the API call's: signing in at the top level must bring the user back
      // to the application, not to a JSON document. A redirect or a sign-in page would be useless here,
      // and no WWW-Authenticate is sent: no standard scheme describes a cookie sign-in, and Basic would
      // make browsers prompt for a password.
      const target = refererTarget(req, scope, prefix, deps.spaJson.isValidRedirect) ?? deps.flow.redirectTarget(req, scope);
      // The same URL answers a navigation with a page or a redirect; no cache may hand either to the other.
      setNoCache(res);
      res.setHeader('Vary', BACKGROUND_VARY);
      sendJson(res, 401, body(scope, target));
      return;
    }
    if (deps.forceJsonErrors || deps.acceptsJson(req) || deps.isApi?.(req, scope) === true) {
      sendJson(res, 401, body(scope, deps.flow.redirectTarget(req, scope)));
      return;
    }
    const target = deps.flow.redirectTarget(req, scope);
    if (deps.skipProviderButton && !deps.flow.choosesProvider) {
      deps.flow.start(req, res, scope, target);
      return;
    }
    sendHtml(res, 403, deps.renderSignIn({ statusCode: 403, redirect: target }), deps.csp);
  };
}

/**
 * The page a background request came from, as a relative `rd`: only a Referer of this very origin
 * (scheme and host as the client used them) and only when it passes the `rd` rules, so another site
 * cannot choose where a sign-in lands.
 */
export function refererTarget(req: IncomingMessage, scope: RequestScope, proxyPrefix: string, isValidRedirect: (target: string) => boolean): string | undefined {
  const referer = req.headers.referer;
  if (referer === undefined || referer === '') return undefined;
  let from: URL;
  let own: string;
  try {
    from = new URL(referer);
    own = new URL(`${scope.scheme}://${scope.host}`).origin;
  } catch {
    return undefined;
  }
  if (from.origin !== own) return undefined;
  // The proxy's own pages (sign-in, callback) are no place to come back to.
  if (from.pathname === proxyPrefix || from.pathname.startsWith(proxyPrefix + '/')) return undefined;
  const target = from.pathname + from.search;
  return isValidRedirect(target) ? target : undefined;
}
