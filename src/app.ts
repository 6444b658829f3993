// Composition root: builds every part once from the frozen configuration and lists the request
// pipeline in order, so the whole flow reads top to bottom:
//
//   probes (/ping /ready /robots.txt) → <prefix>/* endpoints → session → authorize → upstream
//
// Nothing else constructs components; nothing here runs per request except the pipeline closures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from './config/index.js';
import { compilePolicy, type Policy } from './authz/decide.js';
import { readEmailsFile } from './authz/emails-file.js';
import { makeAuth } from './endpoints/auth.js';
import { makeCallback } from './endpoints/callback.js';
import type { Handler } from './http/pipeline.js';
import { createLoginFlow } from './endpoints/login-flow.js';
import { makeReady, ping, robots } from './endpoints/probes.js';
import { createRedirectValidator } from './endpoints/redirect.js';
import { makeSignIn, makeUnauthenticated } from './endpoints/sign-in.js';
import { makeSignOut } from './endpoints/sign-out.js';
import { makeStart } from './endpoints/start.js';
import { makeStatic } from './endpoints/static.js';
import { makeUserInfo } from './endpoints/userinfo.js';
import { acceptsJson, createErrorResponder, setNoCache } from './http/respond.js';
import { RequestScope } from './http/scope.js';
import { createTrust } from './http/trust.js';
import type { Log } from './log.js';
import { makeAuthorize } from './middleware/authorize.js';
import { makeForward } from './middleware/forward.js';
import { makeSessionLoader } from './middleware/session.js';
import { createPages } from './pages/index.js';
import { createProvider } from './providers/index.js';
import type { Provider } from './providers/provider.js';
import { createCookieSessionStore, sessionCookieMatcher } from './session/cookie-store.js';
import { createCsrf } from './session/csrf.js';
import { createIdentityHeaders } from './upstream/identity.js';
import { createUpstreamProxy, rejectUpgrade } from './upstream/proxy.js';
import { ProxyError } from './errors.js';

export interface App {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Discovery and other start-up work that needs the network. */
  init(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions {
  log: Log;
  version: string;
  tls?: boolean;
  /** Overrides the provider, for tests of the pipeline alone. */
  provider?: Provider;
}

export function createApp(config: Config, opts: AppOptions): App {
  const { log } = opts;
  const prefix = config.proxyPrefix;
  const trust = createTrust(config);
  const requestIdHeader = config.requestIdHeader.toLowerCase();

  const cookieAttrs = {
    name: config.cookieName,
    secret: config.cookieSecret,
    domains: config.cookieDomains,
    path: config.cookiePath,
    expireMs: config.cookieExpire,
    secure: config.cookieSecure,
    httpOnly: config.cookieHttponly,
    sameSite: config.cookieSamesite.toLowerCase() as '' | 'lax' | 'strict' | 'none',
  };
  const store = createCookieSessionStore(cookieAttrs);
  const csrf = createCsrf({
    cookieName: config.cookieName, secret: config.cookieSecret, domains: config.cookieDomains, path: config.cookiePath,
    secure: config.cookieSecure, httpOnly: config.cookieHttponly, sameSite: cookieAttrs.sameSite,
    csrfSameSite: config.cookieCsrfSamesite.toLowerCase() as '' | 'lax' | 'strict' | 'none',
    csrfExpireMs: config.cookieCsrfExpire, perRequest: config.cookieCsrfPerRequest,
  });
  const isOwnCookie = sessionCookieMatcher(config.cookieName);
  const provider = opts.provider ?? createProvider(config);
  const isValidRedirect = createRedirectValidator(config.whitelistDomains);

  const allowedEmails = config.authenticatedEmailsFile ? readEmailsFile(config.authenticatedEmailsFile) : [];
  const policyValue: Policy = compilePolicy({ emailDomains: config.emailDomains, allowedEmails, allowedGroups: config.allowedGroups });
  const policy = () => policyValue;

  const pages = createPages({
    proxyPrefix: prefix,
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
  const signInCsp = pages.cspFor('signIn');
  const errorCsp = pages.cspFor('error');
  const fail = createErrorResponder({
    renderErrorPage: (v) => pages.error(v),
    csp: errorCsp,
    forceJsonErrors: config.forceJsonErrors,
    onServerError: (scope, err) =>
      log.error('request failed', { request_id: scope.id, code: err.code, error: err.cause instanceof Error ? err.cause.message : err.message }),
  });

  const identity = createIdentityHeaders({
    passUserHeaders: config.passUserHeaders,
    passAccessToken: config.passAccessToken,
    passAuthorizationHeader: config.passAuthorizationHeader,
    setXAuthRequest: config.setXauthrequest,
    setAuthorizationHeader: config.setAuthorizationHeader,
    preferEmailToUser: config.preferEmailToUser,
    passBasicAuth: config.passBasicAuth,
  });
  const upstream = createUpstreamProxy({
    upstreams: config.upstreams,
    passHostHeader: config.passHostHeader,
    proxyWebSockets: config.proxyWebsockets,
    upstreamTimeoutMs: config.upstreamTimeout,
    flushIntervalMs: config.flushInterval,
    insecureSkipVerify: config.sslUpstreamInsecureSkipVerify,
  });

  const flow = createLoginFlow({
    proxyPrefix: prefix,
    redirectUrl: config.redirectUrl,
    cookieSecure: config.cookieSecure,
    skipNonce: config.insecureOidcSkipNonce,
    provider,
    csrf,
    isValidRedirect,
  });
  const loadSession = makeSessionLoader({ store, provider, cookieRefreshMs: config.cookieRefresh, log });
  const renderSignIn = (v: { statusCode: number; redirect: string }) => pages.signIn(v);

  // ---- the pipeline, in order ----
  const probes = new Map<string, Handler>([
    [config.pingPath, ping],
    [config.readyPath, makeReady({ checks: [() => store.verifyConnection()], log })],
    ['/robots.txt', robots],
  ]);
  const endpoints = new Map<string, Handler>([
    [`${prefix}/sign_in`, makeSignIn({ proxyPrefix: prefix, skipProviderButton: config.skipProviderButton, store, flow, renderSignIn, csp: signInCsp })],
    [`${prefix}/start`, makeStart(flow)],
    [`${prefix}/callback`, makeCallback({ provider, csrf, store, flow, policy, isValidRedirect, skipNonce: config.insecureOidcSkipNonce, log, fail })],
    [`${prefix}/sign_out`, makeSignOut({ store, flow, log })],
    [`${prefix}/userinfo`, makeUserInfo(loadSession)],
  ]);
  const authorize = makeAuthorize({ policy, store, log, fail });
  const authEndpoint = makeAuth({ loadSession, store, evaluate: authorize.evaluate, responseHeaders: (s) => identity.response(s) });
  const staticFiles = makeStatic({ prefix, asset: (p) => pages.staticAsset(p) });
  const unauthenticated = makeUnauthenticated({ skipProviderButton: config.skipProviderButton, forceJsonErrors: config.forceJsonErrors, flow, renderSignIn, csp: signInCsp, proxyPrefix: prefix, acceptsJson });
  const forward = makeForward({ upstream, identity, isOwnCookie, fail });
  const prefixSlash = prefix + '/';

  async function route(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    const probe = probes.get(scope.path);
    if (probe) return probe(req, res, scope);
    if (scope.path === `${prefix}/auth`) return authEndpoint(req, res, scope);
    if (scope.path.startsWith(prefixSlash)) {
      setNoCache(res);
      const endpoint = endpoints.get(scope.path);
      if (endpoint) return endpoint(req, res, scope);
      if (scope.path.startsWith(`${prefix}/static/`)) return staticFiles(req, res, scope);
      return fail(req, res, scope, new ProxyError('NOT_FOUND', 'Not found.'));
    }
    const session = await loadSession(req, scope);
    if (!session) return unauthenticated(req, res, scope);
    if (!(await authorize(req, res, scope, session))) return;
    return forward(req, res, scope, session);
  }

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const scope = new RequestScope(req, trust, requestIdHeader, opts.tls ?? false);
    res.once('finish', () => logRequest(req, res, scope));
    route(req, res, scope).catch((err) => fail(req, res, scope, err));
  }

  const silencePing = config.silencePingLogging;
  function logRequest(req: IncomingMessage, res: ServerResponse, scope: RequestScope): void {
    if (silencePing && (scope.path === config.pingPath || scope.path === config.readyPath)) return;
    log.request({
      requestId: scope.id, client: scope.clientIp, method: req.method ?? '', host: scope.host, path: scope.path,
      status: res.statusCode, durationMs: scope.durationMs(), user: scope.user, upstream: scope.upstream,
      size: Number(res.getHeader('content-length') ?? 0),
    });
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const scope = new RequestScope(req, trust, requestIdHeader, opts.tls ?? false);
    const refuse = (status: number) => rejectUpgrade(socket, status);
    (async () => {
      if (scope.path.startsWith(prefixSlash) || probes.has(scope.path)) return refuse(400);
      const session = await loadSession(req, scope);
      if (!session) return refuse(401);
      if (authorize.evaluate(scope, session) !== 'ok') return refuse(403);
      forward.upgrade(req, socket, head, scope, session);
    })().catch(() => refuse(500));
  }

  return {
    handleRequest,
    handleUpgrade,
    init: () => provider.init(),
    close: () => upstream.close(),
  };
}

