// A minimal request pipeline around the upstream proxy, so the tests drive real sockets end to
// end: route → header rules (with a fixed or absent session) → forward / upgrade → error page.

import { once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ProxyError } from '../../src/errors.js';
import type { SessionState } from '../../src/session/state.js';
import { createHeaderRules } from '../../src/upstream/headers.js';
import { createIdentityHeaders, type IdentityHeaderOptions } from '../../src/upstream/identity.js';
import { createUpstreamProxy, rejectUpgrade, type UpstreamProxy, type UpstreamProxyOptions } from '../../src/upstream/proxy.js';
import type { Route, UpstreamSpec } from '../../src/upstream/routes.js';
import { REFUSED_PORT } from '../support/ports.js';

export const SESSION: SessionState = {
  user: 'alice-sub',
  email: 'alice@example.com',
  groups: ['admins', 'devs'],
  preferredUsername: 'alice',
  accessToken: 'at-123',
  idToken: 'id-456',
  createdAt: 0,
  expiresOn: 0,
};

export const DEFAULT_IDENTITY: IdentityHeaderOptions = {
  passUserHeaders: true,
  passAccessToken: false,
  passAuthorizationHeader: false,
  setXAuthRequest: false,
  setAuthorizationHeader: false,
  preferEmailToUser: false,
  passBasicAuth: true,
};

export const isOwnCookie = (name: string): boolean => name === '_oauth2_proxy' || name.startsWith('_oauth2_proxy_');

export interface HarnessOptions {
  upstreams: (string | UpstreamSpec)[];
  proxy?: Partial<Omit<UpstreamProxyOptions, 'upstreams'>>;
  identity?: Partial<IdentityHeaderOptions>;
  /** The session every request carries; undefined = anonymous. */
  session?: SessionState;
  trustedForwarded?: boolean;
  /** Runs before forward, like the pipeline setting a refreshed session cookie. */
  beforeForward?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface Harness {
  url: string;
  port: number;
  proxy: UpstreamProxy;
  /** Rejections of forward(), in order. */
  errors: ProxyError[];
  /** Errors reported through the onError hook (mid-stream, websocket). */
  reported: Error[];
  /** Resolves with the outcome of the next forward() call. */
  nextForward(): Promise<'resolved' | ProxyError>;
  close(): Promise<void>;
}

export async function startHarness(o: HarnessOptions): Promise<Harness> {
  const reported: Error[] = [];
  const proxy = createUpstreamProxy({
    upstreams: o.upstreams,
    passHostHeader: true,
    proxyWebSockets: true,
    upstreamTimeoutMs: 5_000,
    flushIntervalMs: 1_000,
    insecureSkipVerify: false,
    onError: (err: Error) => reported.push(err),
    ...o.proxy,
  });
  const identity = createIdentityHeaders({ ...DEFAULT_IDENTITY, ...o.identity });
  const rules = createHeaderRules({ strips: identity.strips, isOwnCookie });
  const errors: ProxyError[] = [];
  const waiters: ((v: 'resolved' | ProxyError) => void)[] = [];
  const settle = (v: 'resolved' | ProxyError) => waiters.shift()?.(v);

  const headersFor = (req: IncomingMessage, route: Route) =>
    rules.request(req, route, { trustedForwarded: o.trustedForwarded ?? false, identity: o.session ? identity.request(o.session) : [] });

  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
    const m = proxy.router.match(req.url ?? '/');
    if (m === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    if (m.redirect !== undefined) {
      res.writeHead(301, { Location: m.redirect }).end();
      return;
    }
    o.beforeForward?.(req, res);
    proxy.forward(req, res, m.route, headersFor(req, m.route)).then(
      () => settle('resolved'),
      (err: ProxyError) => {
        errors.push(err);
        if (!res.headersSent) res.writeHead(err.status, { 'X-Error-Code': err.code }).end(err.code);
        else res.destroy();
        settle(err);
      },
    );
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const m = proxy.router.match(req.url ?? '/');
    if (m === undefined || m.redirect !== undefined) return rejectUpgrade(socket, 404);
    proxy.upgrade(req, socket, head, m.route, headersFor(req, m.route));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    proxy,
    errors,
    reported,
    nextForward: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await proxy.close();
      await closed;
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface RequestOptions {
  method?: string;
  path?: string;
  /** A flat list keeps duplicates and exact spelling. */
  headers?: Record<string, string | string[]> | string[];
  body?: Buffer | string;
  agent?: http.Agent | false;
  maxHeaderSize?: number;
}

/** One HTTP/1.1 request; the whole body is collected (test-side only). */
export function request(base: string, o: RequestOptions = {}): Promise<Reply> {
  const u = new URL(base);
  let headers = o.headers;
  // node:http adds Host by itself only for object headers.
  if (Array.isArray(headers) && !headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'host')) headers = [...headers, 'Host', u.host];
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: o.method ?? 'GET',
        path: o.path ?? '/',
        headers,
        agent: o.agent ?? false,
        maxHeaderSize: o.maxHeaderSize,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('aborted', () => reject(new Error('response aborted')));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.once('error', reject);
    req.end(o.body);
  });
}

export function json<T = Record<string, unknown>>(r: Reply): T {
  return JSON.parse(r.body.toString('utf8')) as T;
}

/** A loopback port with nothing listening on it, for as long as the test runs. */
export async function closedPort(): Promise<number> {
  return REFUSED_PORT;
}
