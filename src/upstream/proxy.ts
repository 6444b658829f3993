// Forwarding to upstreams.
//
// Contract with the request pipeline that calls it:
//   - the caller authenticates, picks the route with `proxy.router.match(req.url)` (answering 404
//     and 301 itself), builds the upstream headers once with `HeaderRules.request()` (headers.ts)
//     from the session's identity headers (identity.ts), sets any response headers of its own on
//     `res` (refreshed session cookie, X-Auth-Request-*), then calls `forward` or `upgrade`;
//   - this module only moves bytes and never renders a page, so error pages look the same
//     everywhere. `forward` rejects with a ProxyError while nothing has been written (the caller
//     renders it) and otherwise settles on its own: a failure after the response started destroys
//     the client connection, since a truncated body must not look complete.
//
//   const rules = createHeaderRules({ strips: identity.strips, isOwnCookie });
//   const m = proxy.router.match(req.url!);            // undefined → 404, m.redirect → 301
//   const headers = rules.request(req, m.route, { trustedForwarded, identity: session ? identity.request(session) : [] });
//   await proxy.forward(req, res, m.route, headers);   // ProxyError → error page
//
// HTTP goes through one undici Pool per upstream origin (keep-alive, no pipelining). Bodies are
// streamed both ways with backpressure and never buffered. Websockets use node:http's client,
// because it parses the upstream's answer: a refusal (anything but 101) must be relayed as a
// finished response and the tunnel never opened, or the client could keep talking to the
// upstream on that socket without going through authentication.

import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { ProxyError } from '../errors.js';
import { HOP_BY_HOP, isWebSocketRequest, type OutgoingHeaders } from './headers.js';
import { serveFile, serveStatic } from './local.js';
import { createRouter, originForm, type Route, type Router, type UpstreamSpec } from './routes.js';

export interface UpstreamProxyOptions {
  upstreams: readonly (string | UpstreamSpec)[];
  passHostHeader: boolean;
  proxyWebSockets: boolean;
  /** Max wait for the upstream's response headers (oauth2-proxy's upstream-timeout). */
  upstreamTimeoutMs: number;
  /**
   * Accepted for compatibility; Node writes every chunk to the socket as it arrives, so streamed
   * responses (SSE, long polls) are never held back and there is nothing to flush periodically.
   */
  flushIntervalMs: number;
  insecureSkipVerify: boolean;
  /** --disable-keep-alives: every request gets its own upstream connection, closed after the answer. */
  disableKeepAlives?: boolean;
  /** Largest upstream response head accepted, default 64 KiB (Node's 16 KiB is too small for big cookies). */
  maxHeaderSize?: number;
  /** Failures that are not reported through a rejection: mid-stream errors and websocket errors. */
  onError?: (err: Error, route: Route) => void;
}

export interface UpstreamProxy {
  readonly router: Router;
  /**
   * Proxies one request. Resolves once the response is complete, or the client went away, or the
   * client connection was destroyed after an upstream failure mid-response. Rejects with a
   * ProxyError only while `res` is untouched: UPSTREAM_UNREACHABLE (502), UPSTREAM_TIMEOUT (504),
   * BAD_REQUEST (unforwardable request target), SERVICE_UNAVAILABLE (closing).
   */
  forward(req: IncomingMessage, res: ServerResponse, route: Route, headers: OutgoingHeaders, body?: Buffer): Promise<void>;
  /**
   * Tunnels a websocket upgrade (from the server's 'upgrade' event). Answers on the raw socket by
   * itself: 400 when websockets are off or it is not a websocket, 502/504 when the upstream fails.
   * `opened` receives the upstream socket once the tunnel is up.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: Route, headers: OutgoingHeaders, opened?: (upstream: Duplex) => void): void;
  /** Drops every upstream connection, including open tunnels; in-flight requests fail. */
  close(): Promise<void>;
}

const DEFAULT_MAX_HEADER_SIZE = 64 * 1024;
// Methods a stale keep-alive connection may be retried for: the upstream cannot have acted on them.
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
// Errors of a reused connection the upstream closed while the request was being sent.
const STALE_CONNECTION_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const HOP_SET = new Set(HOP_BY_HOP);
// What Node's ServerResponse accepts as a header value.
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export function createUpstreamProxy(opts: UpstreamProxyOptions): UpstreamProxy {
  const router = createRouter(opts.upstreams, {
    passHostHeader: opts.passHostHeader,
    proxyWebSockets: opts.proxyWebSockets,
    timeoutMs: opts.upstreamTimeoutMs,
    flushIntervalMs: opts.flushIntervalMs,
    insecureSkipVerify: opts.insecureSkipVerify,
  });
  const maxHeaderSize = opts.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
  const onError = opts.onError;
  const reset = opts.disableKeepAlives === true;
  const tunnels = new Set<Duplex>();
  let closed = false;

  // Routes sharing an origin share connections; TLS verification is part of the key because it is
  // a property of the connection.
  const pools = new Map<string, Pool>();
  const poolOf = new Map<Route, Pool>();
  for (const r of router.routes) {
    if (r.kind !== 'proxy') continue;
    const key = r.origin + (r.insecureSkipVerify ? ' insecure' : '');
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = new Pool(r.origin, {
        pipelining: 1,
        maxHeaderSize,
        headersTimeout: r.timeoutMs,
        // Long-lived streams (SSE, long polls) may be silent for minutes.
        bodyTimeout: 0,
        connect: {
          timeout: Math.min(r.timeoutMs, 30_000),
          ...(r.protocol === 'https:' ? { rejectUnauthorized: !r.insecureSkipVerify, servername: r.servername || undefined } : {}),
        },
      });
      pools.set(key, pool);
    }
    poolOf.set(r, pool);
  }

  /** `body`: the request body already read (to sign it); otherwise it is streamed from `req`. */
  function forward(req: IncomingMessage, res: ServerResponse, route: Route, headers: OutgoingHeaders, body?: Buffer): Promise<void> {
    if (closed) return Promise.reject(new ProxyError('SERVICE_UNAVAILABLE', 'proxy is closing'));
    if (route.kind === 'static') return Promise.resolve(serveStatic(res, route));
    if (route.kind === 'file') return serveFile(req, res, route);
    const pool = poolOf.get(route);
    if (pool === undefined) return Promise.reject(new ProxyError('INTERNAL', `route ${route.id} is not served by this proxy`));
    const url = req.url ?? '/';
    const path = url.charCodeAt(0) === 47 ? url : originForm(url);
    if (path === undefined) return Promise.reject(new ProxyError('BAD_REQUEST', 'request target cannot be proxied'));
    return new Promise<void>((resolve, reject) => {
      const h = new ForwardHandler(req, res, route, pool, path, headers, body, reset, resolve, reject, onError);
      h.start();
    });
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, route: Route, headers: OutgoingHeaders, opened?: (upstream: Duplex) => void): void {
    if (closed) return rejectUpgrade(socket, 503);
    if (route.kind !== 'proxy' || !route.proxyWebSockets || !isWebSocketRequest(req)) return rejectUpgrade(socket, 400);
    const url = req.url ?? '/';
    const path = url.charCodeAt(0) === 47 ? url : originForm(url);
    if (path === undefined) return rejectUpgrade(socket, 400);
    tunnel(req, socket, head, route, path, headers, maxHeaderSize, tunnels, onError, opened);
  }

  async function close(): Promise<void> {
    closed = true;
    for (const s of tunnels) s.destroy();
    tunnels.clear();
    await Promise.all([...pools.values()].map((p) => p.destroy()));
  }

  return { router, forward, upgrade, close };
}

/**
 * One proxied request. A class so the per-request state lives in one object instead of a set of
 * closures; undici calls the on* methods.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private settled = false;
  private clientGone = false;
  private started = false;
  private attempts = 0;
  /** Body bytes still expected when the upstream announced a length; -1 otherwise. */
  private remaining = -1;
  private endedEarly = false;
  private readonly body: IncomingMessage | Buffer | null;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: Route,
    private readonly pool: Pool,
    private readonly path: string,
    private readonly headers: OutgoingHeaders,
    read: Buffer | undefined,
    private readonly reset: boolean,
    private readonly resolve: () => void,
    private readonly reject: (e: ProxyError) => void,
    private readonly report: ((err: Error, route: Route) => void) | undefined,
  ) {
    // A request has a body only when it announces one; handing undici a stream otherwise would
    // make it send an empty chunked body, which some servers reject on GET.
    const cl = req.headers['content-length'];
    this.body = read !== undefined ? (read.length > 0 ? read : null) : (cl !== undefined ? cl !== '0' : req.headers['transfer-encoding'] !== undefined) ? req : null;
  }

  start(): void {
    // Writes to a response whose socket is already gone report backpressure forever.
    if (this.res.destroyed || this.res.writableEnded || this.req.socket.destroyed) {
      this.clientGone = true;
      return this.finish();
    }
    this.res.once('close', this.onClientClose);
    this.dispatch();
  }

  private dispatch(): void {
    this.attempts++;
    this.pool.dispatch(
      {
        path: this.path,
        method: this.req.method ?? 'GET',
        headers: this.headers,
        body: this.body,
        headersTimeout: this.route.timeoutMs,
        bodyTimeout: 0,
        reset: this.reset,
      },
      this,
    );
  }

  private readonly onClientClose = (): void => {
    if (this.settled || this.res.writableFinished) return;
    this.clientGone = true;
    if (this.controller !== undefined) this.controller.abort(new Error('client closed the connection'));
    else this.finish();
  };

  private readonly onDrain = (): void => {
    this.controller?.resume();
  };

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx interim answers (103 Early Hints) are not relayed; the final answer follows.
    if (statusCode < 200 || this.clientGone) return;
    const res = this.res;
    // From here on a failure can no longer be turned into a clean error page.
    this.started = true;
    try {
      const named = connectionNamed(headers.connection);
      for (const name in headers) {
        if (HOP_SET.has(name) || (named !== undefined && named.includes(name))) continue;
        const v = headers[name];
        if (v === undefined) continue;
        // Appending keeps what the pipeline already set (a refreshed session cookie) next to the
        // upstream's own values, and keeps every Set-Cookie.
        if (typeof v === 'string') {
          if (!INVALID_VALUE.test(v)) res.appendHeader(name, v);
        } else {
          for (let i = 0; i < v.length; i++) if (!INVALID_VALUE.test(v[i])) res.appendHeader(name, v[i]);
        }
      }
      res.writeHead(statusCode);
      const cl = headers['content-length'];
      this.remaining = typeof cl === 'string' && this.req.method !== 'HEAD' ? Number(cl) : -1;
    } catch (err) {
      controller.abort(err as Error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    // The usual small answer arrives in one chunk: ending the response with it lets Node send
    // head and body at once and skip the corked write and the separate end step (~4% CPU per request).
    if (this.remaining === chunk.length && !this.res.headersSent) {
      this.endedEarly = true;
      this.res.end(chunk);
      return;
    }
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once('drain', this.onDrain);
    }
  }

  onResponseEnd(): void {
    // Trailers are dropped: HTTP/1.1 clients rarely ask for them and Node would need them declared.
    if (!this.endedEarly) this.res.end();
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    // The whole announced body was relayed already; what the upstream's connection does next is not the client's concern.
    if (this.clientGone || this.endedEarly) return this.finish();
    if (this.started || this.res.headersSent) {
      // A body cut short must not be mistaken for a complete one.
      this.report?.(err, this.route);
      // Without an error argument: the server would otherwise report it as a client error.
      this.res.destroy();
      return this.finish();
    }
    if (this.canRetry(err)) {
      this.controller = undefined;
      return this.dispatch();
    }
    this.settled = true;
    this.res.off('close', this.onClientClose);
    this.reject(toUpstreamError(err, this.route));
  }

  /**
   * Go's transport retries a bodiless idempotent request once when a kept-alive connection turns
   * out to be closed by the upstream; without that, idle-timeout races surface as random 502s.
   */
  private canRetry(err: Error): boolean {
    return (
      this.attempts === 1 &&
      this.body === null &&
      RETRYABLE_METHODS.has(this.req.method ?? 'GET') &&
      STALE_CONNECTION_CODES.has((err as NodeJS.ErrnoException).code ?? '')
    );
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    this.res.off('close', this.onClientClose);
    this.res.off('drain', this.onDrain);
    this.resolve();
  }
}

function connectionNamed(v: string | string[] | undefined): string[] | undefined {
  // What nearly every upstream sends names no other header.
  if (v === undefined || v === 'keep-alive' || v === 'close') return undefined;
  const s = typeof v === 'string' ? v : v.join(',');
  let out: string[] | undefined;
  for (const t of s.split(',')) {
    const n = t.trim().toLowerCase();
    if (n !== '' && !HOP_SET.has(n)) (out ??= []).push(n);
  }
  return out;
}

function toUpstreamError(err: Error, route: Route): ProxyError {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new ProxyError('UPSTREAM_TIMEOUT', `upstream ${route.id} did not answer in time`, { cause: err });
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new ProxyError('BAD_REQUEST', 'request cannot be proxied', { cause: err });
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new ProxyError('SERVICE_UNAVAILABLE', 'proxy is closing', { cause: err });
    default:
      return new ProxyError('UPSTREAM_UNREACHABLE', `upstream ${route.id} unreachable: ${code ?? err.message}`, { cause: err });
  }
}

const STATUS_LINES: Record<number, string> = {
  400: 'Bad Request',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A minimal complete response on a raw (upgrade) socket, then close. For the pipeline too, when
 * it refuses an upgrade before proxying (401/403).
 */
export function rejectUpgrade(socket: Duplex, status: number, extraHeaders: readonly (readonly [string, string])[] = []): void {
  // node:http stops watching a socket once it is handed to 'upgrade'; an unhandled reset would crash.
  if (socket.listenerCount('error') === 0) socket.on('error', ignore);
  if (socket.destroyed) return;
  const reason = STATUS_LINES[status] ?? http.STATUS_CODES[status] ?? 'Error';
  let head = `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n`;
  for (const [k, v] of extraHeaders) head += `${k}: ${v}\r\n`;
  socket.end(head + '\r\n' + reason);
  destroyAfterFlush(socket);
}

function tunnel(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: Route,
  path: string,
  headers: OutgoingHeaders,
  maxHeaderSize: number,
  tunnels: Set<Duplex>,
  onError: ((err: Error, route: Route) => void) | undefined,
  opened: ((upstream: Duplex) => void) | undefined,
): void {
  const tls = route.protocol === 'https:';
  const upReq = (tls ? https : http).request({
    host: route.hostname,
    port: route.port,
    method: req.method,
    path,
    // The header rules drop Connection/Upgrade as hop-by-hop; a tunnel is where they belong.
    headers: [...headers, 'Connection', 'Upgrade', 'Upgrade', 'websocket'],
    setHost: false,
    agent: false,
    maxHeaderSize,
    ...(tls ? { rejectUnauthorized: !route.insecureSkipVerify, servername: route.servername } : {}),
  });
  let answered = false;
  tunnels.add(socket);
  const forget = () => tunnels.delete(socket);
  socket.once('close', forget);

  const clientGone = () => {
    if (!answered) upReq.destroy();
  };
  socket.once('close', clientGone);
  // node:http stops watching a socket once it is handed to 'upgrade'; an unhandled reset would crash.
  socket.on('error', clientGone);

  upReq.setTimeout(route.timeoutMs, () => {
    const e = new Error('upstream did not answer the upgrade in time') as NodeJS.ErrnoException;
    e.code = 'ETIMEDOUT_HEADERS';
    upReq.destroy(e);
  });

  upReq.on('error', (err: NodeJS.ErrnoException) => {
    if (answered) return;
    answered = true;
    onError?.(err, route);
    rejectUpgrade(socket, err.code === 'ETIMEDOUT_HEADERS' ? 504 : 502);
  });

  upReq.on('response', (upRes) => {
    // The upstream refused the upgrade: relay its answer as a finished response and close.
    answered = true;
    let out = `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}\r\n`;
    const named = connectionNamed(upRes.headers.connection);
    const raw = upRes.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i].toLowerCase();
      if (HOP_SET.has(n) || (named !== undefined && named.includes(n))) continue;
      out += `${raw[i]}: ${raw[i + 1]}\r\n`;
    }
    socket.write(out + 'Connection: close\r\n\r\n');
    upRes.pipe(socket, { end: false });
    // Neither connection is reused: the client was told to close, and the upstream connection was
    // opened for this handshake alone.
    upRes.once('end', () => {
      upReq.destroy();
      destroyAfterFlush(socket);
    });
    upRes.once('error', () => socket.destroy());
    socket.once('close', () => upReq.destroy());
  });

  upReq.on('upgrade', (upRes, upSocket, upHead) => {
    answered = true;
    upReq.setTimeout(0);
    socket.off('close', clientGone);
    socket.off('error', clientGone);
    if (socket.destroyed) {
      upSocket.destroy();
      return;
    }
    let out = `HTTP/1.1 101 ${upRes.statusMessage || 'Switching Protocols'}\r\n`;
    const raw = upRes.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) out += `${raw[i]}: ${raw[i + 1]}\r\n`;
    socket.write(out + '\r\n');
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);

    upSocket.setNoDelay?.(true);
    upSocket.setTimeout(0);
    tunnels.add(upSocket);
    upSocket.once('close', () => tunnels.delete(upSocket));

    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      if (!isReset(err)) onError?.(err, route);
      socket.destroy();
      upSocket.destroy();
    };
    socket.on('error', fail);
    upSocket.on('error', fail);
    // A side that closes ends the other once what it sent has been flushed.
    socket.once('close', () => destroyAfterFlush(upSocket));
    upSocket.once('close', () => destroyAfterFlush(socket));
    socket.pipe(upSocket);
    upSocket.pipe(socket);
    opened?.(upSocket);
  });

  upReq.end();
}

function ignore(): void {}

function isReset(err: Error): boolean {
  const c = (err as NodeJS.ErrnoException).code;
  return c === 'ECONNRESET' || c === 'EPIPE';
}

/** Ends a socket and destroys it once its output is flushed, or after 5 s of no progress. */
function destroyAfterFlush(s: Duplex): void {
  if (s.destroyed) return;
  if (s.writableFinished) {
    s.destroy();
    return;
  }
  s.end();
  s.once('finish', () => s.destroy());
  const t = setTimeout(() => s.destroy(), 5_000);
  t.unref();
  s.once('close', () => clearTimeout(t));
}
