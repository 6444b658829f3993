// Prometheus metrics in a private registry (so two proxies in one process, as in tests, never share
// counters). oauth2-proxy's three request metrics keep their names and labels, so existing dashboards
// keep working; ours are prefixed oauth2_sidecar_. Every label takes its value from a small fixed set
// (status codes, HTTP methods, route groups, reasons): no raw path, user or host ever becomes a label.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { isProxyError } from './errors.js';
import type { Handler } from './http/pipeline.js';
import type { ErrorResponder } from './http/respond.js';
import { ProviderError, type Provider } from './providers/provider.js';
import type { SessionStore } from './session/store.js';

/** Route groups: which part of the proxy answered. */
export type RouteGroup = 'auth' | 'sign_in' | 'start' | 'callback' | 'sign_out' | 'userinfo' | 'static' | 'robots' | 'endpoint_other' | 'proxied';

/** Why a sign-in at the callback did not end with a session. */
export type SignInFailure = 'provider_error' | 'invalid_state' | 'csrf' | 'redeem_failed' | 'unauthorized' | 'error';

export type UpstreamFailure = 'unreachable' | 'timeout';

// The method names Prometheus' Go client keeps; anything else becomes "unknown", as there.
const METHODS = new Map(['GET', 'PUT', 'HEAD', 'POST', 'DELETE', 'CONNECT', 'OPTIONS', 'NOTIFY', 'TRACE', 'PATCH'].map((m) => [m, m.toLowerCase()]));

export function methodLabel(method: string | undefined): string {
  return (method && METHODS.get(method.toUpperCase())) || 'unknown';
}

export interface Metrics {
  readonly registry: PromClient.Registry;
  /** Counts one request from its start to the end of its response. */
  track(req: IncomingMessage, res: ServerResponse, route: () => RouteGroup): void;
  signIn(): void;
  signInFailure(reason: SignInFailure): void;
  upstreamError(reason: UpstreamFailure): void;
  /** Wraps the store so every call is timed and failures counted. */
  instrumentStore(store: SessionStore): SessionStore;
  /** Wraps the provider so refresh outcomes are counted. */
  instrumentProvider(provider: Provider): Provider;
  /** The Prometheus text exposition. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Node process metrics (event loop lag, heap, GC, file descriptors); on by default. */
  processMetrics?: boolean;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  // Loaded only when metrics are switched on: most sidecars run without a metrics listener.
  const { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({ name: 'oauth2_proxy_requests_total', help: 'Requests served, by HTTP status code.', labelNames: ['code'], registers: [registry] });
  const inFlight = new Gauge({ name: 'oauth2_proxy_requests_in_flight', help: 'Requests being served right now.', registers: [registry] });
  const duration = new Histogram({ name: 'oauth2_proxy_response_duration_seconds', help: 'Time to serve a request, by HTTP method.', labelNames: ['method'], registers: [registry] });
  const byRoute = new Counter({ name: 'oauth2_sidecar_requests_by_route_total', help: 'Requests served, by HTTP method and the part of the proxy that answered.', labelNames: ['method', 'route'], registers: [registry] });
  const signIns = new Counter({ name: 'oauth2_sidecar_sign_ins_total', help: 'Sign-ins completed at the callback.', registers: [registry] });
  const signInFailures = new Counter({ name: 'oauth2_sidecar_sign_in_failures_total', help: 'Sign-ins refused at the callback, by reason.', labelNames: ['reason'], registers: [registry] });
  const refreshes = new Counter({ name: 'oauth2_sidecar_session_refreshes_total', help: 'Session refreshes with the provider, by result.', labelNames: ['result'], registers: [registry] });
  const upstreamErrors = new Counter({ name: 'oauth2_sidecar_upstream_errors_total', help: 'Requests the upstream could not answer, by reason.', labelNames: ['reason'], registers: [registry] });
  const storeDuration = new Histogram({
    name: 'oauth2_sidecar_session_store_duration_seconds', help: 'Session store operation time, by operation.', labelNames: ['operation'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const storeErrors = new Counter({ name: 'oauth2_sidecar_session_store_errors_total', help: 'Session store operations that failed, by operation.', labelNames: ['operation'], registers: [registry] });

  // Children bound once, so the hot path does no label lookups for the common cases.
  const codeChild = new Map<number, ReturnType<typeof requests.labels>>();
  const methodChild = new Map<string, ReturnType<typeof duration.labels>>();
  const codeOf = (status: number) => {
    let c = codeChild.get(status);
    if (c === undefined) {
      // Status codes come from the proxy itself, a bounded set; still, cap it defensively.
      if (codeChild.size > 64) return requests.labels(String(status));
      c = requests.labels(String(status));
      codeChild.set(status, c);
    }
    return c;
  };
  const durationOf = (method: string) => {
    let h = methodChild.get(method);
    if (h === undefined) methodChild.set(method, (h = duration.labels(method)));
    return h;
  };

  // Every series exists from the start at 0, so rate() and alerts work before the first event.
  for (const r of ['provider_error', 'invalid_state', 'csrf', 'redeem_failed', 'unauthorized', 'error'] as const) signInFailures.labels(r).inc(0);
  for (const r of ['unreachable', 'timeout'] as const) upstreamErrors.labels(r).inc(0);
  for (const r of ['success', 'failure'] as const) refreshes.labels(r).inc(0);
  signIns.inc(0);

  function timed<A extends unknown[], R>(operation: string, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    const hist = storeDuration.labels(operation);
    const errs = storeErrors.labels(operation);
    return async (...args: A) => {
      const start = process.hrtime.bigint();
      try {
        return await fn(...args);
      } catch (err) {
        errs.inc();
        throw err;
      } finally {
        hist.observe(Number(process.hrtime.bigint() - start) / 1e9);
      }
    };
  }

  return {
    registry,
    track(req, res, route) {
      const start = process.hrtime.bigint();
      inFlight.inc();
      res.once('close', () => {
        inFlight.dec();
        const method = methodLabel(req.method);
        codeOf(res.statusCode).inc();
        durationOf(method).observe(Number(process.hrtime.bigint() - start) / 1e9);
        byRoute.labels(method, route()).inc();
      });
    },
    signIn: () => signIns.inc(),
    signInFailure: (reason) => signInFailures.labels(reason).inc(),
    upstreamError: (reason) => upstreamErrors.labels(reason).inc(),
    instrumentStore(store) {
      const wrapped: SessionStore = {
        load: timed('load', store.load.bind(store)),
        save: timed('save', store.save.bind(store)),
        clear: timed('clear', store.clear.bind(store)),
        verifyConnection: timed('verify', store.verifyConnection.bind(store)),
      };
      // Optional capabilities pass through untouched, whatever the store offers.
      return new Proxy(store, {
        get(target, prop, receiver) {
          if (prop === 'load' || prop === 'save' || prop === 'clear' || prop === 'verifyConnection') return wrapped[prop];
          const v = Reflect.get(target, prop, receiver) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
    instrumentProvider(provider) {
      const refresh = async (s: Parameters<Provider['refresh']>[0]) => {
        try {
          const out = await provider.refresh(s);
          refreshes.labels('success').inc();
          return out;
        } catch (err) {
          // A session without a refresh token was never sent to the provider.
          if (!(err instanceof ProviderError && err.code === 'no_refresh_token')) refreshes.labels('failure').inc();
          throw err;
        }
      };
      return new Proxy(provider, {
        get(target, prop) {
          if (prop === 'refresh') return refresh;
          const v = Reflect.get(target, prop) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** Which part of the proxy answers a path, for the route label; never the path itself. */
export function routeGrouper(prefix: string): (path: string) => RouteGroup {
  const endpoints = new Map<string, RouteGroup>([
    [`${prefix}/auth`, 'auth'], [`${prefix}/sign_in`, 'sign_in'], [`${prefix}/start`, 'start'], [`${prefix}/callback`, 'callback'],
    [`${prefix}/sign_out`, 'sign_out'], [`${prefix}/userinfo`, 'userinfo'], ['/robots.txt', 'robots'],
  ]);
  const prefixSlash = prefix + '/';
  const staticPrefix = `${prefix}/static/`;
  return (path) => {
    const known = endpoints.get(path);
    if (known) return known;
    if (!path.startsWith(prefixSlash)) return 'proxied';
    return path.startsWith(staticPrefix) ? 'static' : 'endpoint_other';
  };
}

const SIGN_IN_FAILURES: Readonly<Record<string, SignInFailure>> = {
  PROVIDER_ERROR: 'provider_error', STATE_INVALID: 'invalid_state', CSRF_INVALID: 'csrf', LOGIN_FAILED: 'redeem_failed', FORBIDDEN: 'unauthorized',
};

/** The callback handler, counting completed and refused sign-ins by the error it answered with. */
export function measureCallback(metrics: Metrics | undefined, fail: ErrorResponder, make: (fail: ErrorResponder) => Handler): Handler {
  if (!metrics) return make(fail);
  const counted: ErrorResponder = (req, res, scope, err, redirectTo) => {
    metrics.signInFailure((isProxyError(err) && SIGN_IN_FAILURES[err.code]) || 'error');
    fail(req, res, scope, err, redirectTo);
  };
  const handler = make(counted);
  return async (req, res, scope) => {
    try {
      await handler(req, res, scope);
    } catch (err) {
      metrics.signInFailure('error');
      throw err;
    }
    if (res.statusCode === 302) metrics.signIn();
  };
}

/** The error responder of the forwarding step, counting what the upstream failed to answer. */
export function measureUpstream(metrics: Metrics | undefined, fail: ErrorResponder): ErrorResponder {
  if (!metrics) return fail;
  return (req, res, scope, err, redirectTo) => {
    if (isProxyError(err)) {
      if (err.code === 'UPSTREAM_UNREACHABLE') metrics.upstreamError('unreachable');
      else if (err.code === 'UPSTREAM_TIMEOUT') metrics.upstreamError('timeout');
    }
    fail(req, res, scope, err, redirectTo);
  };
}

/** The metrics listener's handler: the exposition on any path, as oauth2-proxy serves it. */
export function metricsHandler(metrics: Pick<Metrics, 'scrape'>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      () => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n');
      },
    );
  };
}
