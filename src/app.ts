// Composition root: the request pipeline, listed in order, so the whole flow reads top to bottom:
//
//   probes (/ping /ready /robots.txt) → <prefix>/* endpoints → skip-auth rules → session chain
//   (bearer JWT → Basic → stored session) → authorize → upstream
//
// Components are built once by components.ts; nothing here runs per request except the closures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from './config/index.js';
import { buildComponents, type ComponentOptions } from './components.js';
import { makeAuth } from './endpoints/auth.js';
import { makeBackchannelLogout } from './endpoints/backchannel-logout.js';
import { providerFetch } from './providers/tls.js';
import { makeCallback } from './endpoints/callback.js';
import { makeJwks } from './endpoints/jwks.js';
import { makeReady, ping, robots } from './endpoints/probes.js';
import { makeSignIn, makeUnauthenticated } from './endpoints/sign-in.js';
import { makeSignOut } from './endpoints/sign-out.js';
import { makeStart } from './endpoints/start.js';
import { makeStatic } from './endpoints/static.js';
import { makeUserInfo } from './endpoints/userinfo.js';
import { ProxyError, toProxyError } from './errors.js';
import type { Handler } from './http/pipeline.js';
import { acceptsJson, setNoCache } from './http/respond.js';
import { makeForceHttps } from './http/force-https.js';
import { RequestScope } from './http/scope.js';
import { cookieContextOf } from './http/cookie-context.js';
import type { SessionState } from './session/state.js';
import type { RevokeTarget } from './session/store.js';
import { gatewayRequest, proxiedRequest, type OriginalRequest } from './http/forwarded.js';
import { normaliseTarget } from './http/target.js';
import { allowEmailless } from './middleware/emailless.js';
import { createProbeFilter, GCP_LIVENESS_PATH, GCP_READINESS_PATH } from './rules/health-checks.js';
import { measureCallback, measureUpstream, routeGrouper } from './metrics.js';
import { makeAuthorize, makeRouteGate } from './middleware/authorize.js';
import { makePolicyExplain } from './endpoints/policy-explain.js';
import { makeForward } from './middleware/forward.js';
import { rejectUpgrade } from './upstream/proxy.js';
import { ticketTunnelKey } from './upstream/session-tunnels.js';

export interface App {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Discovery and other start-up work that needs the network (the session store's probe included). */
  init(): Promise<void>;
  /** --config-test: the session store's probe alone; rejects with a message naming the flag. */
  checkSessionStore(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions extends ComponentOptions {
  tls?: boolean;
  /** With --force-https: the port HTTPS is served on by this process, if it serves HTTPS itself. */
  httpsPort?: number;
}

export function createApp(config: Config, opts: AppOptions): App {
  const { log } = opts;
  const prefix = config.proxyPrefix;
  const requestIdHeader = config.requestIdHeader.toLowerCase();
  const { trust, store, csrf, isOwnCookie, provider, providers, isValidRedirect, policy, pages, signInCsp, fail, identity, upstream, signer, assertion, parseQuery, flow, loadSession, probeStore, access, passwordSignIn, stopWatching, sessionTunnels, tunnelKeys, routePolicy } =
    buildComponents(config, opts);
  const renderSignIn = (v: { statusCode: number; redirect: string }) => pages.signIn(v);
  const { metrics } = opts;
  const forceHttps = config.forceHttps ? makeForceHttps(opts.httpsPort) : undefined;
  const routeGroup = routeGrouper(prefix);
  // /ready answers OK only once the provider's discovery succeeded (and while the store answers).
  let discovered = false;
  const discovery = async () => { if (!discovered) throw new Error('provider discovery has not completed'); };

  const endTunnels = {
    session: (ctx: { cookies: ReadonlyMap<string, string> }, s: SessionState | undefined) => {
      const key = tunnelKeys.keyOf(ctx.cookies, s);
      if (key !== undefined) sessionTunnels.endByKey(key);
    },
    matching: (target: RevokeTarget) => { sessionTunnels.endBySubject(target); },
  };
  // Sessions ended through another replica (or another host's App) sharing the Redis store.
  store.onEnded?.((ids) => { for (const id of ids) sessionTunnels.endByKey(ticketTunnelKey(id)); });

  // ---- the pipeline, in order ----
  const probes = new Map<string, Handler>([
    [config.pingPath, ping],
    [config.readyPath, makeReady({ checks: [discovery, () => store.verifyConnection()], log })],
    ['/robots.txt', robots],
  ]);
  if (config.gcpHealthchecks) {
    probes.set(GCP_LIVENESS_PATH, ping);
    probes.set(GCP_READINESS_PATH, probes.get(config.readyPath)!);
  }
  const isProbe = createProbeFilter({ pingPath: config.pingPath, pingUserAgent: config.pingUserAgent, gcpHealthchecks: config.gcpHealthchecks });
  const endpoints = new Map<string, Handler>([
    [`${prefix}/sign_in`, makeSignIn({
      proxyPrefix: prefix, skipProviderButton: config.skipProviderButton, store, flow, renderSignIn, csp: signInCsp,
      ...(passwordSignIn ? { passwordSignIn: (user, password, scope) => passwordSignIn(user, password, scope.clientIp) } : {}),
    })],
    [`${prefix}/start`, makeStart(flow)],
    [`${prefix}/callback`, measureCallback(metrics, fail, (fail) => makeCallback({
      provider, providers, csrf, store, flow, policy, isValidRedirect, skipNonce: config.insecureOidcSkipNonce, log, fail,
      parseQuery, encodeState: config.encodeState, minimalSession: config.sessionCookieMinimal,
    }))],
    [`${prefix}/sign_out`, makeSignOut({
      store, flow, log, provider, providers, backendLogoutUrl: config.backendLogoutUrl,
      allSessions: config.signOutAllSessions, rpInitiatedLogout: config.oidcRpInitiatedLogout,
      endOpen: endTunnels,
    })],
    [`${prefix}/userinfo`, makeUserInfo(loadSession)],
  ]);
  if (assertion) endpoints.set(`${prefix}/jwks.json`, makeJwks(assertion.jwks));
  if (config.oidcBackchannelLogout) endpoints.set(`${prefix}/backchannel-logout`, makeBackchannelLogout({ store, provider, providers: providers.all, log, fetch: providerFetch(config), fetchOf: (p) => providers.fetchOf(p), endOpen: endTunnels.matching }));
  const authorize = allowEmailless(makeAuthorize({ policy, store, log, fail, parseQuery }), { policy, log, fail, parseQuery });
  // --policy-file: a further gate after the global rules; without it nothing below consults one.
  const routeGate = routePolicy && makeRouteGate({ policy: routePolicy, fail });
  if (routePolicy && config.policyExplain) endpoints.set(`${prefix}/policy/explain`, makePolicyExplain({ table: routePolicy.table, loadSession, evaluate: authorize.evaluate, parseQuery }));
  const authPath = `${prefix}/auth`;
  const authEndpoint = makeAuth({
    loadSession, store, evaluate: authorize.evaluate, responseHeaders: (s) => identity.response(s),
    original: (req, scope) => gatewayRequest(req, scope, authPath),
    ...(access.any ? { skips: (original: OriginalRequest) => access.skips(original) } : {}),
    ...(routePolicy ? { policy: routePolicy } : {}),
  });
  const staticFiles = makeStatic({ prefix, asset: (p) => pages.staticAsset(p) });
  const unauthenticated = makeUnauthenticated({ skipProviderButton: config.skipProviderButton, forceJsonErrors: config.forceJsonErrors, flow, renderSignIn, csp: signInCsp, proxyPrefix: prefix, acceptsJson,
    isApi: (req, scope) => access.isApi(proxiedRequest(req, scope)), ...(config.spaUnauthenticatedJson ? { spaJson: { isValidRedirect } } : {}) });
  const forward = makeForward({ upstream, identity, isOwnCookie, fail: measureUpstream(metrics, fail), ...(signer ? { signer } : {}), ...(assertion ? { assertion } : {}) });
  const prefixSlash = prefix + '/';

  async function route(req: IncomingMessage, res: ServerResponse, scope: RequestScope): Promise<void> {
    const probe = probes.get(scope.path);
    if (probe && isProbe(scope.path, req.headers['user-agent'])) return probe(req, res, scope);
    // <prefix>/auth/<path>: Envoy's ext_authz appends the original path to the check path.
    if (scope.path === authPath || scope.path.startsWith(authPath + '/')) return authEndpoint(req, res, scope);
    if (scope.path.startsWith(prefixSlash)) {
      setNoCache(res);
      const endpoint = endpoints.get(scope.path);
      if (endpoint) return endpoint(req, res, scope);
      if (scope.path.startsWith(`${prefix}/static/`)) return staticFiles(req, res, scope);
      return fail(req, res, scope, new ProxyError('NOT_FOUND', 'Not found.'));
    }
    // Skip-auth requests still load a session, to pass the identity along when there is a valid one.
    const skip = access.any && access.skips(proxiedRequest(req, scope));
    const session = await loadSession(req, scope);
    const ruled = skip ? undefined : routeGate?.decide(req, scope, session);
    if (skip || ruled?.effect === 'public') return forward(req, res, scope, session && authorize.evaluate(scope, session) === 'ok' ? session : undefined);
    if (!session) return ruled?.effect === 'deny' ? routeGate!.refuse(req, res, scope, ruled) : unauthenticated(req, res, scope);
    if (!(await authorize(req, res, scope, session))) return;
    if (ruled?.effect === 'deny') return routeGate!.refuse(req, res, scope, ruled);
    return forward(req, res, scope, session);
  }


  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const scope = new RequestScope(req, trust, requestIdHeader, opts.tls ?? false, normaliseTarget(req.url ?? '/'));
    if (requestLogging) res.once('finish', () => logRequest(req, res, scope));
    if (forceHttps?.(req, res, scope)) return;
    // Probes are left out of the metrics, as in oauth2-proxy.
    if (metrics && !probes.has(scope.path)) metrics.track(req, res, () => routeGroup(scope.path));
    route(req, res, scope).catch((err) => fail(req, res, scope, err));
  }

  const silencePing = config.silencePingLogging;
  // Without request logging, no per-request listener at all.
  const requestLogging = config.requestLogging;
  function logRequest(req: IncomingMessage, res: ServerResponse, scope: RequestScope): void {
    if (silencePing && (scope.path === config.pingPath || scope.path === config.readyPath)) return;
    log.request({
      requestId: scope.id, client: scope.clientIp, method: req.method ?? '', host: scope.host, path: scope.path,
      status: res.statusCode, durationMs: scope.durationMs(), user: scope.user, upstream: scope.upstream,
      size: Number(res.getHeader('content-length') ?? 0), protocol: `HTTP/${req.httpVersion}`, userAgent: req.headers['user-agent'] ?? '',
    });
  }

  // A tunnel is held under the session cookie its upgrade carried, which is what a sign-out, a
  // revocation or the cookie's expiry ends; without that cookie (bearer, Basic) there is nothing to end it by.
  function hold(req: IncomingMessage, socket: Duplex, scope: RequestScope, session: SessionState) {
    const who = tunnelKeys.identityOf(cookieContextOf(req, scope).cookies, session);
    return who && sessionTunnels.register(socket, who);
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const scope = new RequestScope(req, trust, requestIdHeader, opts.tls ?? false, normaliseTarget(req.url ?? '/'));
    const refuse = (status: number) => rejectUpgrade(socket, status);
    (async () => {
      if (scope.path.startsWith(prefixSlash) || probes.has(scope.path)) return refuse(400);
      const skip = access.any && access.skips(proxiedRequest(req, scope));
      const session = await loadSession(req, scope);
      const ruled = skip ? undefined : routeGate?.decide(req, scope, session);
      if (skip || ruled?.effect === 'public') {
        const allowed = session && authorize.evaluate(scope, session) === 'ok' ? session : undefined;
        return forward.upgrade(req, socket, head, scope, allowed, allowed && hold(req, socket, scope, allowed));
      }
      if (!session) return refuse(ruled?.effect === 'deny' ? routeGate!.refused(req, scope, ruled) : 401);
      if (authorize.evaluate(scope, session) !== 'ok') return refuse(403);
      if (ruled?.effect === 'deny') return refuse(routeGate!.refused(req, scope, ruled));
      forward.upgrade(req, socket, head, scope, session, hold(req, socket, scope, session));
    })().catch((err) => refuse(toProxyError(err).status));
  }

  return {
    handleRequest,
    handleUpgrade,
    init: async () => { await Promise.all([probeStore(), providers.init()]); discovered = true; },
    checkSessionStore: probeStore,
    close: async () => { stopWatching(); await Promise.all([upstream.close(), store.close?.()]); },
  };
}

