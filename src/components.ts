// Builds every component once from the frozen configuration: session store, CSRF, provider,
// redirect rules, authorization policy, pages, error responder, identity headers, upstream pool and
// the sign-in flow. app.ts then only has to list the pipeline.
import type { Config } from './config/index.js';
import { compilePolicy, type Policy } from './authz/decide.js';
import { readEmailsFile } from './authz/emails-file.js';
import { createLoginFlow, type LoginFlow } from './endpoints/login-flow.js';
import { createRedirectValidator } from './endpoints/redirect.js';
import { createErrorResponder, type ErrorResponder } from './http/respond.js';
import { createTrust, type Trust } from './http/trust.js';
import type { SessionLoader } from './http/pipeline.js';
import type { Log } from './log.js';
import { makeSessionLoader } from './middleware/session.js';
import { createPages, type Pages } from './pages/index.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/provider.js';
import type { SameSite } from './session/cookies.js';
import { createCookieSessionStore, sessionCookieMatcher } from './session/cookie-store.js';
import { createCsrf, type Csrf } from './session/csrf.js';
import type { SessionStore } from './session/store.js';
import { createIdentityHeaders, type IdentityHeaders } from './upstream/identity.js';
import { createUpstreamProxy, type UpstreamProxy } from './upstream/proxy.js';

export interface ComponentOptions {
  log: Log;
  version: string;
  /** Overrides the provider, for tests of the pipeline alone. */
  provider?: Provider;
}

export interface Components {
  trust: Trust;
  store: SessionStore;
  csrf: Csrf;
  isOwnCookie: (name: string) => boolean;
  provider: Provider;
  isValidRedirect: (target: string) => boolean;
  policy: () => Policy;
  pages: Pages;
  signInCsp: string | undefined;
  fail: ErrorResponder;
  identity: IdentityHeaders;
  upstream: UpstreamProxy;
  flow: LoginFlow;
  loadSession: SessionLoader;
}

export function buildComponents(config: Config, opts: ComponentOptions): Components {
  const { log } = opts;
  const sameSite = config.cookieSamesite.toLowerCase() as SameSite;
  const store = createCookieSessionStore({
    name: config.cookieName,
    secret: config.cookieSecret,
    domains: config.cookieDomains,
    path: config.cookiePath,
    expireMs: config.cookieExpire,
    secure: config.cookieSecure,
    httpOnly: config.cookieHttponly,
    sameSite,
  });
  const csrf = createCsrf({
    cookieName: config.cookieName, secret: config.cookieSecret, domains: config.cookieDomains, path: config.cookiePath,
    secure: config.cookieSecure, httpOnly: config.cookieHttponly, sameSite,
    csrfSameSite: config.cookieCsrfSamesite.toLowerCase() as SameSite,
    csrfExpireMs: config.cookieCsrfExpire, perRequest: config.cookieCsrfPerRequest,
  });
  const provider = opts.provider ?? createProvider(config);
  const isValidRedirect = createRedirectValidator(config.whitelistDomains);

  const allowedEmails = config.authenticatedEmailsFile ? readEmailsFile(config.authenticatedEmailsFile) : [];
  const policyValue: Policy = compilePolicy({ emailDomains: config.emailDomains, allowedEmails, allowedGroups: config.allowedGroups });

  const pages = createPages({
    proxyPrefix: config.proxyPrefix,
    providerName: provider.displayName,
    // oauth2-proxy shows no domain hint when an emails file decides who may sign in.
    emailDomains: config.authenticatedEmailsFile ? [] : config.emailDomains,
    customTemplatesDir: config.customTemplatesDir,
    banner: config.banner,
    footer: config.footer,
    customSignInLogo: config.customSignInLogo,
    version: opts.version,
    onRenderError: (err, template) => log.error('custom template failed to render; the built-in page was served', { template, error: err instanceof Error ? err.message : String(err) }),
  });
  const fail = createErrorResponder({
    renderErrorPage: (v) => pages.error(v),
    csp: pages.cspFor('error'),
    forceJsonErrors: config.forceJsonErrors,
    onServerError: (scope, err) =>
      log.error('request failed', { request_id: scope.id, code: err.code, error: err.cause instanceof Error ? err.cause.message : err.message }),
  });

  return {
    trust: createTrust(config),
    store,
    csrf,
    isOwnCookie: sessionCookieMatcher(config.cookieName),
    provider,
    isValidRedirect,
    policy: () => policyValue,
    pages,
    signInCsp: pages.cspFor('signIn'),
    fail,
    identity: createIdentityHeaders({
      passUserHeaders: config.passUserHeaders,
      passAccessToken: config.passAccessToken,
      passAuthorizationHeader: config.passAuthorizationHeader,
      setXAuthRequest: config.setXauthrequest,
      setAuthorizationHeader: config.setAuthorizationHeader,
      preferEmailToUser: config.preferEmailToUser,
      passBasicAuth: config.passBasicAuth,
    }),
    upstream: createUpstreamProxy({
      upstreams: config.upstreams,
      passHostHeader: config.passHostHeader,
      proxyWebSockets: config.proxyWebsockets,
      upstreamTimeoutMs: config.upstreamTimeout,
      flushIntervalMs: config.flushInterval,
      insecureSkipVerify: config.sslUpstreamInsecureSkipVerify,
    }),
    flow: createLoginFlow({
      proxyPrefix: config.proxyPrefix,
      redirectUrl: config.redirectUrl,
      cookieSecure: config.cookieSecure,
      skipNonce: config.insecureOidcSkipNonce,
      provider,
      csrf,
      isValidRedirect,
    }),
    loadSession: makeSessionLoader({ store, provider, cookieRefreshMs: config.cookieRefresh, log }),
  };
}
