// Composition root: the request pipeline, listed in order, so the whole flow reads top to bottom:
//
//   probes (/ping /ready /robots.txt) → <prefix>/* endpoints → session → authorize → upstream
//
// Components are built once by components.ts; nothing here runs per request except the closures.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from './config/index.js';
import { buildComponents, type ComponentOptions } from './components.js';
import { makeAuth } from './endpoints/auth.js';
import { makeCallback } from './endpoints/callback.js';
import { makeReady, ping, robots } from './endpoints/probes.js';
import { makeSignIn, makeUnauthenticated } from './endpoints/sign-in.js';
import { makeSignOut } from './endpoints/sign-out.js';
import { makeStart } from './endpoints/start.js';
import { makeStatic } from './endpoints/static.js';
import { makeUserInfo } from './endpoints/userinfo.js';
import { ProxyError } from './errors.js';
import type { Handler } from './http/pipeline.js';
import { acceptsJson, setNoCache } from './http/respond.js';
import { RequestScope } from './http/scope.js';
import { makeAuthorize } from './middleware/authorize.js';
import { makeForward } from './middleware/forward.js';
import { rejectUpgrade } from './upstream/proxy.js';

export interface App {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Discovery and other start-up work that needs the network. */
  init(): Promise<void>;
  close(): Promise<void>;
}

export interface AppOptions extends ComponentOptions {
  tls?: boolean;
}

export function createApp(config: Config, opts: AppOptions): App {
  const { log } = opts;
  const prefix = config.proxyPrefix;
  const requestIdHeader = config.requestIdHeader.toLowerCase();
  const { trust, store, csrf, isOwnCookie, provider, isValidRedirect, policy, pages, signInCsp, fail, identity, upstream, flow, loadSession } =
    buildComponents(config, opts);
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

