// The pieces of the sign-in flow used from several places: where to come back to after sign-in
// (the validated `rd` target), the callback URL sent to the provider, and the redirect that starts
// a sign-in (from /oauth2/start, /oauth2/sign_in with --skip-provider-button, and unauthenticated
// requests with --skip-provider-button).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import { appendSetCookies, redirect } from '../http/respond.js';
import type { Provider } from '../providers/provider.js';
import type { Csrf } from '../session/csrf.js';
import { getRedirect } from './redirect.js';

export interface LoginFlowDeps {
  proxyPrefix: string;
  redirectUrl: string;
  cookieSecure: boolean;
  skipNonce: boolean;
  provider: Provider;
  csrf: Csrf;
  isValidRedirect: (target: string) => boolean;
  now?: () => number;
}

export interface LoginFlow {
  /** Where to send the user after sign-in / sign-out, following oauth2-proxy's candidate order. */
  redirectTarget(req: IncomingMessage, scope: RequestScope, formRd?: string): string;
  callbackUrl(scope: RequestScope): string;
  /** Sets the CSRF cookie and redirects to the provider's authorization endpoint. */
  start(req: IncomingMessage, res: ServerResponse, scope: RequestScope, target: string): void;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createLoginFlow(deps: LoginFlowDeps): LoginFlow {
  const now = deps.now ?? Date.now;
  const absoluteRedirectUrl = /^https?:\/\//i.test(deps.redirectUrl) ? deps.redirectUrl : '';
  const callbackPath = deps.redirectUrl.startsWith('/') ? deps.redirectUrl : `${deps.proxyPrefix}/callback`;

  function callbackUrl(scope: RequestScope): string {
    if (absoluteRedirectUrl) return absoluteRedirectUrl;
    // oauth2-proxy derives the callback from the request, forcing https when cookies are Secure.
    const scheme = deps.cookieSecure ? 'https' : scope.scheme;
    return `${scheme}://${scope.host}${callbackPath}`;
  }

  function redirectTarget(req: IncomingMessage, scope: RequestScope, formRd?: string): string {
    const rd = formRd ?? (scope.query ? new URLSearchParams(scope.query).get('rd') ?? undefined : undefined);
    return getRedirect(
      {
        rd,
        redirectHeader: header(req, 'x-auth-request-redirect'),
        host: req.headers.host ?? '',
        requestUri: req.url ?? '/',
        proxyPrefix: deps.proxyPrefix,
        trustedForwarded: scope.trustedForwarded,
        forwardedProto: scope.trustedForwarded ? header(req, 'x-forwarded-proto') : undefined,
        forwardedHost: scope.trustedForwarded ? header(req, 'x-forwarded-host') : undefined,
        forwardedUri: scope.trustedForwarded ? header(req, 'x-forwarded-uri') : undefined,
        scheme: scope.scheme,
      },
      deps.isValidRedirect,
    );
  }

  function start(req: IncomingMessage, res: ServerResponse, scope: RequestScope, target: string): void {
    const pkce = deps.provider.pkceMethod();
    const login = deps.csrf.startLogin({ redirect: target, usePkce: pkce, host: scope.host, nowMs: now() });
    const url = deps.provider.authorizationUrl({
      redirectUri: callbackUrl(scope),
      state: login.stateParam,
      nonce: deps.skipNonce ? undefined : login.nonceParam,
      codeChallenge: login.codeChallenge,
      codeChallengeMethod: pkce === '' ? undefined : pkce,
    });
    appendSetCookies(res, [...scope.setCookies, login.setCookie]);
    scope.setCookies = [];
    redirect(res, url.href);
  }

  return { redirectTarget, callbackUrl, start };
}
