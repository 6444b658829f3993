// A small HTTP server for fake provider APIs: routes by method and path, records every request,
// and has an OAuth2 authorization server built in (authorize → code → token) whose users are
// chosen by the test. Provider modules in this folder add the API routes each provider documents.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The user the request's bearer/token access token belongs to, if any. */
  user?: string;
}

export interface FakeReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
}

export type FakeHandler = (req: FakeRequest, match: RegExpExecArray) => FakeReply | Promise<FakeReply>;

export interface OAuthOptions {
  authorizePath: string;
  tokenPath: string;
  clientId: string;
  clientSecret: string;
  /** Extra fields for the token response of a user (id_token…). */
  tokenExtras?: (user: string, params: URLSearchParams) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Answer the token request form-encoded, as GitHub does without Accept: application/json. */
  formEncoded?: boolean;
  /** Client authentication other than id+secret in the body (login.gov's private_key_jwt). */
  checkClient?: (params: URLSearchParams) => boolean | Promise<boolean>;
}

export interface FakeApi {
  url: string;
  requests: FakeRequest[];
  /** The user the next authorization request signs in as. */
  nextUser: string;
  /** Parameters of the last authorization request. */
  lastAuthorize?: URLSearchParams;
  /** Parameters of the last token request. */
  lastToken?: URLSearchParams;
  route(method: string, path: string | RegExp, handler: FakeHandler): void;
  oauth(opts: OAuthOptions): void;
  /** Issues an access token for `user` directly (for API tests without the authorize step). */
  tokenFor(user: string): string;
  close(): Promise<void>;
}

export async function startFakeApi(): Promise<FakeApi> {
  const routes: Array<{ method: string; path: string | RegExp; handler: FakeHandler }> = [];
  const tokens = new Map<string, string>();
  const codes = new Map<string, { user: string; redirectUri: string; challenge?: string }>();

  const api: FakeApi = {
    url: '',
    requests: [],
    nextUser: 'alice',
    route(method, path, handler) {
      routes.push({ method, path, handler });
    },
    tokenFor(user) {
      const t = `at-${user}-${randomBytes(8).toString('hex')}`;
      tokens.set(t, user);
      return t;
    },
    oauth(o) {
      api.route('GET', o.authorizePath, (req) => {
        api.lastAuthorize = req.query;
        const redirect = new URL(req.query.get('redirect_uri') ?? '');
        if (req.query.get('client_id') !== o.clientId) return { status: 400, body: { error: 'invalid_client' } };
        const code = `code-${randomBytes(8).toString('hex')}`;
        codes.set(code, { user: api.nextUser, redirectUri: redirect.href });
        redirect.searchParams.set('code', code);
        redirect.searchParams.set('state', req.query.get('state') ?? '');
        return { status: 302, headers: { Location: redirect.href } };
      });
      api.route('POST', o.tokenPath, async (req) => {
        const p = new URLSearchParams(req.body);
        api.lastToken = p;
        const clientOk = o.checkClient ? await o.checkClient(p) : p.get('client_id') === o.clientId && p.get('client_secret') === o.clientSecret;
        if (!clientOk) return { status: 401, body: { error: 'invalid_client' } };
        let user: string | undefined;
        if (p.get('grant_type') === 'authorization_code') {
          const entry = codes.get(p.get('code') ?? '');
          codes.delete(p.get('code') ?? '');
          if (!entry || entry.redirectUri !== p.get('redirect_uri')) return { status: 400, body: { error: 'invalid_grant' } };
          user = entry.user;
        } else if (p.get('grant_type') === 'refresh_token') {
          user = /^rt-([a-z0-9]+)-/.exec(p.get('refresh_token') ?? '')?.[1];
          if (!user) return { status: 400, body: { error: 'invalid_grant' } };
        } else {
          return { status: 400, body: { error: 'unsupported_grant_type' } };
        }
        const body = { access_token: api.tokenFor(user), token_type: 'bearer', expires_in: 3600, refresh_token: `rt-${user}-${randomBytes(4).toString('hex')}`, ...(await o.tokenExtras?.(user, p)) };
        if (o.formEncoded) {
          return { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString() };
        }
        return { body };
      });
    },
    close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const auth = String(req.headers.authorization ?? '');
    const token = /^(?:bearer|token)\s+(.+)$/i.exec(auth)?.[1] ?? url.searchParams.get('access_token') ?? '';
    const fr: FakeRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    const user = tokens.get(token);
    if (user !== undefined) fr.user = user;
    api.requests.push(fr);
    for (const r of routes) {
      if (r.method !== fr.method) continue;
      const m = typeof r.path === 'string' ? (r.path === fr.path ? Object.assign([fr.path], { index: 0, input: fr.path }) as RegExpExecArray : null) : r.path.exec(fr.path);
      if (!m) continue;
      const reply = await r.handler(fr, m);
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      const type = typeof reply.body === 'string' ? 'text/plain' : 'application/json; charset=utf-8';
      res.writeHead(reply.status ?? 200, { 'Content-Type': type, ...reply.headers });
      res.end(body);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return api;
}

/** 401 unless the request carries a token the fake issued. */
export function requireUser(req: FakeRequest): FakeReply | undefined {
  return req.user === undefined ? { status: 401, body: { message: 'Bad credentials' } } : undefined;
}
