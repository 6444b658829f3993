// The pieces of the sign-in flow used from several places: where to come back to after sign-in
// (the validated `rd` target), the callback URL sent to the provider, and the redirect that starts
// a sign-in (from /oauth2/start, /oauth2/sign_in with --skip-provider-button, and unauthenticated
// requests with --skip-provider-button). With several providers, `?provider=<id>` picks one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import { cookieContextOf } from '../http/cookie-context.js';
import { goQuery, type QueryParser } from '../http/query.js';
import { appendSetCookies, redirect } from '../http/respond.js';
import { ProxyError } from '../errors.js';
import type { Provider } from '../providers/provider.js';
import type { ProviderSet } from '../providers/registry.js';
import type { Csrf } from '../session/csrf.js';
import { getRedirect } from './redirect.js';

export interface LoginFlowDeps {
  proxyPrefix: string;
  redirectUrl: string;
  cookieSecure: boolean;
  skipNonce: boolean;
  /** The default provider. */
  provider: Provider;
  /** Every provider, when there are several (the default one included). */
  providers?: ProviderSet;
  csrf: Csrf;
  isValidRedirect: (target: string) => boolean;
  /** --relative-redirect-url: the callback URL goes to the provider as configured, without scheme and host. */
  relativeRedirectUrl?: boolean;
  /** --encode-state: the whole state parameter is base64url-encoded (no padding). */
  encodeState?: boolean;
  /** --cookie-csrf-per-request-limit; 0 = no limit. */
  csrfPerRequestLimit?: number;
  /** --allow-query-semicolons decides how `rd` is read. */
  parseQuery?: QueryParser;
  now?: () => number;
}

export interface LoginFlow {
  /** Where to send the user after sign-in / sign-out, following oauth2-proxy's candidate order. */
  redirectTarget(req: IncomingMessage, scope: RequestScope, formRd?: string): string;
  callbackUrl(scope: RequestScope): string;
  /** Sets the CSRF cookie and redirects to the provider's authorization endpoint (the default one unless given). */
  start(req: IncomingMessage, res: ServerResponse, scope: RequestScope, target: string, provider?: Provider): void;
  /** The provider `?provider=` names, the default one without it; a ProxyError (400) for an unknown id. */
  providerOf?(scope: RequestScope): Provider;
  /** Several providers are configured: the user has to be offered a choice. */
  readonly choosesProvider?: boolean;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function createLoginFlow(deps: LoginFlowDeps): LoginFlow {
  const now = deps.now ?? Date.now;
  const parseQuery = deps.parseQuery ?? goQuery;
  const csrfLimit = deps.csrfPerRequestLimit ?? 0;
  const absoluteRedirectUrl = /^https?:\/\//i.test(deps.redirectUrl) ? deps.redirectUrl : '';
  const callbackPath = deps.redirectUrl.startsWith('/') ? deps.redirectUrl : `${deps.proxyPrefix}/callback`;

  function callbackUrl(scope: RequestScope): string {
    if (absoluteRedirectUrl) return absoluteRedirectUrl;
    if (deps.relativeRedirectUrl) return callbackPath;
    // oauth2-proxy derives the callback from the request, forcing https when cookies are Secure.
    const scheme = deps.cookieSecure ? 'https' : scope.scheme;
    return `${scheme}://${scope.host}${callbackPath}`;
  }

  function redirectTarget(req: IncomingMessage, scope: RequestScope, formRd?: string): string {
    const rd = formRd ?? (scope.query ? parseQuery(scope.query).get('rd') ?? undefined : undefined);
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

  function providerOf(scope: RequestScope): Provider {
    const set = deps.providers;
    if (set === undefined || !set.several || scope.query === '' || scope.query.indexOf('provider=') === -1) return deps.provider;
    const id = parseQuery(scope.query).get('provider');
    if (id === null || id === '') return deps.provider;
    const found = set.get(id);
    if (found === undefined) throw new ProxyError('BAD_REQUEST', `Unknown identity provider ${JSON.stringify(id.slice(0, 64))}. Choose one on the sign-in page.`, { expose: true });
    return found;
  }

  function start(req: IncomingMessage, res: ServerResponse, scope: RequestScope, target: string, chosen?: Provider): void {
    const provider = chosen ?? deps.provider;
    const pkce = provider.pkceMethod();
    const nowMs = now();
    // oauth2-proxy expires the oldest per-request CSRF cookies before adding the new one.
    const surplus = csrfLimit > 0 ? deps.csrf.clearSurplus(cookieContextOf(req, scope), csrfLimit, nowMs) : [];
    const login = deps.csrf.startLogin({
      redirect: target, usePkce: pkce, host: scope.host, nowMs,
      ...(provider === deps.provider ? {} : { providerId: provider.id }),
    });
    const url = provider.authorizationUrl({
      redirectUri: callbackUrl(scope),
      state: deps.encodeState ? Buffer.from(login.stateParam, 'utf8').toString('base64url') : login.stateParam,
      nonce: deps.skipNonce ? undefined : login.nonceParam,
      codeChallenge: login.codeChallenge,
      codeChallengeMethod: pkce === '' ? undefined : pkce,
    });
    appendSetCookies(res, [...scope.setCookies, ...surplus, login.setCookie]);
    scope.setCookies = [];
    redirect(res, url.href);
  }

  return { redirectTarget, callbackUrl, start, providerOf, choosesProvider: deps.providers?.several === true };
}
