// An embedded OpenID Provider (oidc-provider) for the demo and the tests: static clients, static
// users, our own sign-in page, consent granted automatically, refresh tokens for every client
// allowed the refresh_token grant. Plain http, meant for loopback only.

import { generateKeyPair, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';

import type {
  Account,
  ClientMetadata,
  Configuration,
  default as OidcProvider,
  JWK,
  KoaContextWithOIDC,
} from 'oidc-provider';

import { DevStore } from './adapter.js';
import { layout, loginPage, logoutPage, messagePage, type UserHint } from './pages.js';

export interface DevUser {
  /** Defaults to DEMO_PASSWORD. Never released as a claim. */
  password?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  groups?: string[];
  /** Any other claim; released with the `openid` scope. */
  [claim: string]: unknown;
}

export interface DevClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** Default client_secret_basic. */
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Accept a registered loopback redirect URI on any port (RFC 8252 §7.3 style), so a client
   * listening on port 0 can be registered before its port is known.
   */
  anyLoopbackPort?: boolean;
  /**
   * OpenID Connect Back-Channel Logout: where the provider posts a logout token when the user's
   * provider session ends. The client's ID tokens then carry `sid`.
   */
  backchannelLogoutUri?: string;
}

export interface DevIdpOptions {
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  clients: DevClient[];
  /**
   * Keyed by user name, which becomes `sub`. Default DEMO_USERS. Read on every sign-in and token
   * request, so claims changed in place show up in the next refreshed ID token.
   */
  users?: Record<string, DevUser>;
  /** Seconds; default 3600. */
  accessTokenTtl?: number;
  /** Seconds; default 3600. */
  idTokenTtl?: number;
  /** Issue a new refresh token on every refresh and invalidate the old one. Default false. */
  rotateRefreshToken?: boolean;
  /** No oidc-provider start-up warnings, no error logging. */
  quiet?: boolean;
  /**
   * true: claims requested by scope go only to the userinfo endpoint, as strict IdPs do, so the
   * ID token carries little more than `sub`. Default false (everything in the ID token too).
   */
  conformIdTokenClaims?: boolean;
  /** Token endpoint authentication methods to accept and advertise; default oidc-provider's list. */
  tokenEndpointAuthMethods?: Array<'client_secret_basic' | 'client_secret_post'>;
  /**
   * Issue access tokens as signed JWTs (RFC 9068) carrying these extra claims for the user, as IdPs
   * that put roles in the access token do (Keycloak's realm_access / resource_access).
   */
  accessTokenClaims?: (username: string) => Record<string, unknown>;
  /**
   * Allow the client_credentials grant (machine-to-machine): every client may ask for a signed JWT
   * access token for the resource `<issuer>/api`, as API clients of a gateway do.
   */
  clientCredentials?: boolean;
}

export interface DevIdpStats {
  /** Every request to the token endpoint, whatever its grant or outcome. */
  tokenRequests: number;
  /** Token endpoint requests with grant_type=refresh_token. */
  refreshRequests: number;
  /** Logout tokens delivered to a client's backchannel_logout_uri (answered 200/204), and failed deliveries. */
  backchannelLogouts: number;
  backchannelLogoutErrors: number;
  /** Query parameters of the last authorization request. */
  lastAuthParams?: Record<string, string>;
}

export interface DevIdp {
  issuer: string;
  port: number;
  stats: DevIdpStats;
  close(): Promise<void>;
}

export const DEMO_PASSWORD = 'password';

/** Frozen all the way down: several IdPs in one process share these records. */
export const DEMO_USERS: Readonly<Record<string, Readonly<DevUser>>> = deepFreeze({
  alice: {
    email: 'alice@example.com',
    email_verified: true,
    name: 'Alice Anderson',
    preferred_username: 'alice',
    groups: ['admins', 'developers'],
  },
  bob: {
    email: 'bob@example.com',
    email_verified: true,
    name: 'Bob Brown',
    preferred_username: 'bob',
    groups: ['developers'],
  },
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const ROUTES = {
  authorization: '/auth',
  token: '/token',
  userinfo: '/me',
  jwks: '/jwks',
  end_session: '/session/end',
  revocation: '/token/revocation',
};

const PROFILE_CLAIMS = [
  'name',
  'preferred_username',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'updated_at',
];

/** Claims a user record must not set: they belong to the token, not to the account. */
const RESERVED_CLAIMS = new Set([
  'sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'nonce', 'azp', 'at_hash', 'c_hash', 's_hash',
  'auth_time', 'acr', 'amr', 'sid', 'password',
]);

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const FORM_LIMIT_BYTES = 16 * 1024;

type OidcProviderModule = typeof import('oidc-provider');
let providerModule: Promise<OidcProviderModule> | undefined;

/**
 * oidc-provider warns at import time when Node is older than its preferred LTS; it works on 20
 * all the same, so a quiet start filters exactly those lines while the module loads.
 */
function loadOidcProvider(quiet: boolean): Promise<OidcProviderModule> {
  providerModule ??= quiet ? withoutOidcProviderNotices(() => import('oidc-provider')) : import('oidc-provider');
  return providerModule;
}

async function withoutOidcProviderNotices<T>(fn: () => Promise<T> | T): Promise<T> {
  const { warn, info } = console;
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]): void => {
      if (typeof args[0] === 'string' && /oidc-provider (WARNING|NOTICE)/.test(args[0])) return;
      original(...args);
    };
  console.warn = filter(warn);
  console.info = filter(info);
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.info = info;
  }
}

let signingKey: Promise<JWK> | undefined;

/** One RSA key per process: generating 2048-bit keys for every IdP a test run starts is slow. */
function devSigningKey(): Promise<JWK> {
  signingKey ??= promisify(generateKeyPair)('rsa', { modulusLength: 2048 }).then(({ privateKey }) => {
    const jwk = privateKey.export({ format: 'jwk' }) as JWK;
    const kid = createHash('sha256').update(String(jwk.n)).digest('base64url').slice(0, 16);
    return { ...jwk, kid, use: 'sig', alg: 'RS256' };
  });
  return signingKey;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Same URL apart from the port, for loopback hosts only. */
function sameExceptLoopbackPort(candidate: string, registered: string[]): boolean {
  let c: URL;
  try {
    c = new URL(candidate);
  } catch {
    return false;
  }
  if (!isLoopback(c.hostname)) return false;
  return registered.some((r) => {
    const u = new URL(r);
    return (
      u.protocol === c.protocol &&
      u.hostname === c.hostname &&
      u.pathname === c.pathname &&
      u.search === c.search &&
      isLoopback(u.hostname)
    );
  });
}

function userClaims(username: string, user: DevUser): { sub: string; [claim: string]: unknown } {
  const claims: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(user)) {
    if (!RESERVED_CLAIMS.has(k) && v !== undefined) claims[k] = v;
  }
  return { ...claims, sub: username };
}

function sameSecret(a: string, b: string): boolean {
  // Hashing first makes the comparison length-independent.
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'expected a form submission');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > FORM_LIMIT_BYTES) throw new HttpError(413, 'form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': String(body.length),
  });
  res.end(body);
}

export async function startDevIdp(opts: DevIdpOptions): Promise<DevIdp> {
  const quiet = opts.quiet === true;
  const host = opts.host ?? '127.0.0.1';
  const users: Record<string, DevUser> = opts.users ?? DEMO_USERS;
  const stats: DevIdpStats = { tokenRequests: 0, refreshRequests: 0, backchannelLogouts: 0, backchannelLogoutErrors: 0 };
  if (opts.clients.length === 0) throw new Error('the dev IdP needs at least one client');

  const [{ default: Provider }, key] = await Promise.all([loadOidcProvider(quiet), devSigningKey()]);

  // Listen first: with port 0 the issuer URL is only known once the socket is bound.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => {
    if (handler) handler(req, res);
    else sendHtml(res, 503, messagePage('Starting', 'The identity provider is starting.'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${urlHost(host)}:${port}`;

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  };

  try {
    const provider = await (quiet ? withoutOidcProviderNotices(build) : build());
    handler = routeRequests(provider, users, quiet);
  } catch (err) {
    await close();
    throw err;
  }
  return { issuer, port, stats, close };

  function build(): OidcProvider {
    const extraClaims = new Set<string>();
    for (const user of Object.values(users)) {
      for (const k of Object.keys(user)) {
        if (!RESERVED_CLAIMS.has(k) && !PROFILE_CLAIMS.includes(k) && k !== 'email' && k !== 'email_verified') {
          extraClaims.add(k);
        }
      }
    }
    extraClaims.add('groups');

    const looseClients = new Set(opts.clients.filter((c) => c.anyLoopbackPort).map((c) => c.clientId));
    const clients: ClientMetadata[] = opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
      ...(c.backchannelLogoutUri ? { backchannel_logout_uri: c.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      grant_types: ['authorization_code', 'refresh_token', ...(opts.clientCredentials ? ['client_credentials'] : [])],
      response_types: ['code'],
      token_endpoint_auth_method:
        c.tokenEndpointAuthMethod ??
        (opts.tokenEndpointAuthMethods && !opts.tokenEndpointAuthMethods.includes('client_secret_basic')
          ? opts.tokenEndpointAuthMethods[0]
          : 'client_secret_basic'),
    }));

    const configuration: Configuration = {
      clients,
      adapter: ((store) => (model: string) => store.adapterFor(model))(new DevStore()),
      jwks: { keys: [key] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      routes: ROUTES,
      // Groups and custom claims ride on `openid`, like IdPs with a group mapper, so a demo shows
      // them without scope tweaks; `groups` stays a known scope for clients that ask for it.
      claims: {
        openid: ['sub', ...extraClaims],
        email: ['email', 'email_verified'],
        profile: PROFILE_CLAIMS,
        groups: ['groups'],
      },
      scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
      conformIdTokenClaims: opts.conformIdTokenClaims ?? false,
      ...(opts.tokenEndpointAuthMethods ? { clientAuthMethods: opts.tokenEndpointAuthMethods } : {}),
      findAccount: (_ctx: KoaContextWithOIDC, sub: string): Account | undefined => {
        const user = Object.hasOwn(users, sub) ? users[sub] : undefined;
        if (!user) return undefined;
        return { accountId: sub, claims: () => userClaims(sub, user) };
      },
      // By default only `offline_access` earns a refresh token, and the OP drops that scope unless
      // prompt=consent; a proxy's ordinary sign-in sends neither.
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: opts.rotateRefreshToken ?? false,
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      ttl: {
        AccessToken: opts.accessTokenTtl ?? 3600,
        IdToken: opts.idTokenTtl ?? 3600,
        AuthorizationCode: 60,
        RefreshToken: 14 * 24 * 3600,
        Interaction: 3600,
        Session: 14 * 24 * 3600,
        Grant: 14 * 24 * 3600,
        ClientCredentials: 600,
      },
      clientBasedCORS: () => false,
      // oidc-provider refuses outgoing requests to loopback addresses (SSRF protection); a dev IdP
      // on loopback posts back-channel logout tokens to clients on loopback, so those may pass.
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : input;
        if (!init || !isLoopback(new URL(url).hostname)) return globalThis.fetch(input, init);
        const { dispatcher: _ssrfGuard, ...rest } = init as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(input, rest);
      },
      ...(opts.accessTokenClaims ? jwtAccessTokens(opts.accessTokenClaims) : {}),
      features: {
        ...(opts.accessTokenClaims || opts.clientCredentials ? { resourceIndicators: jwtResourceIndicator(issuer) } : {}),
        ...(opts.clientCredentials ? { clientCredentials: { enabled: true } } : {}),
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        revocation: {
          enabled: true,
          allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx, form) => {
            ctx.set(SECURITY_HEADERS);
            ctx.type = 'html';
            ctx.body = logoutPage(ctx.host, form);
          },
          postLogoutSuccessSource: async (ctx) => {
            ctx.set(SECURITY_HEADERS);
            ctx.type = 'html';
            ctx.body = messagePage('Signed out', 'You have been signed out of the development identity provider.');
          },
        },
      },
      renderError: async (ctx, out) => {
        ctx.set(SECURITY_HEADERS);
        ctx.type = 'html';
        ctx.body = messagePage(
          'Sign-in error',
          String(out.error_description ?? 'The request could not be processed.'),
          `Error code: ${String(out.error)}`,
        );
      },
    };

    const provider = new Provider(issuer, configuration);
    provider.proxy = false;
    provider.on('backchannel.success', () => { stats.backchannelLogouts++; });
    provider.on('backchannel.error', () => { stats.backchannelLogoutErrors++; });
    (provider as unknown as { silent: boolean }).silent = quiet;
    if (!quiet) {
      provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => {
        console.error(`dev IdP ${issuer}: server error:`, err);
      });
    }

    if (looseClients.size > 0) {
      const proto = provider.Client.prototype as unknown as {
        clientId: string;
        redirectUris: string[];
        postLogoutRedirectUris: string[];
        redirectUriAllowed(value: string): boolean;
        postLogoutRedirectUriAllowed(value: string): boolean;
      };
      const exactRedirect = proto.redirectUriAllowed;
      const exactLogout = proto.postLogoutRedirectUriAllowed;
      proto.redirectUriAllowed = function (this: typeof proto, value: string) {
        return (
          exactRedirect.call(this, value) ||
          (looseClients.has(this.clientId) && sameExceptLoopbackPort(value, this.redirectUris ?? []))
        );
      };
      proto.postLogoutRedirectUriAllowed = function (this: typeof proto, value: string) {
        return (
          exactLogout.call(this, value) ||
          (looseClients.has(this.clientId) && sameExceptLoopbackPort(value, this.postLogoutRedirectUris ?? []))
        );
      };
    }

    provider.use(async (ctx, next) => {
      const isToken = ctx.method === 'POST' && ctx.path === ROUTES.token;
      if (isToken) stats.tokenRequests++;
      if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) {
        const params: Record<string, string> = {};
        for (const [k, v] of Object.entries(ctx.query)) {
          const first = Array.isArray(v) ? v[0] : v;
          if (first !== undefined) params[k] = first;
        }
        stats.lastAuthParams = params;
      }
      await next();
      // The body is parsed by the token endpoint itself, so the grant type is known only now.
      const oidcCtx = (ctx as unknown as { oidc?: { params?: { grant_type?: unknown } } }).oidc;
      if (isToken && oidcCtx?.params?.grant_type === 'refresh_token') stats.refreshRequests++;
    });
    return provider;
  }
}

/** The resource every access token is issued for when JWT access tokens are asked for. */
function jwtResourceIndicator(issuer: string): NonNullable<Configuration['features']>['resourceIndicators'] {
  const resource = `${issuer}/api`;
  return {
    enabled: true,
    defaultResource: () => resource,
    useGrantedResource: () => true,
    getResourceServerInfo: () => ({ scope: 'openid email profile groups offline_access', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
  };
}

function jwtAccessTokens(claims: (username: string) => Record<string, unknown>): Pick<Configuration, 'extraTokenClaims'> {
  return {
    extraTokenClaims: async (_ctx, token) => {
      const accountId = (token as { accountId?: string }).accountId;
      return token.kind === 'AccessToken' && accountId ? claims(accountId) : undefined;
    },
  };
}

/** Our interaction pages in front of oidc-provider's own routes. */
function routeRequests(
  provider: OidcProvider,
  users: Record<string, DevUser>,
  quiet: boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  const oidcHandler = provider.callback();
  const hints: UserHint[] = Object.entries(users).map(([name, u]) => ({
    name,
    groups: Array.isArray(u.groups) ? u.groups.map(String) : [],
    demoPassword: u.password === undefined,
  }));

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const m = /^\/interaction\/([A-Za-z0-9_-]{1,128})(\/login|\/abort)?$/.exec(path);
    if (!m) {
      oidcHandler(req, res);
      return;
    }
    interaction(req, res, m[1]!, m[2] ?? '').catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendHtml(res, err.status, messagePage('Request rejected', err.message));
        return;
      }
      if (!quiet) console.error('dev IdP: interaction failed:', err);
      if (!res.headersSent) sendHtml(res, 500, messagePage('Something went wrong', 'The sign-in could not be completed.'));
      else res.destroy();
    });
  };

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string): Promise<void> {
    const details = await provider.interactionDetails(req, res).catch(() => undefined);
    // The interaction is found through its cookie; a URL from another tab or an old bookmark must
    // not act on whatever sign-in the cookie points at.
    if (!details || details.uid !== uid) {
      sendHtml(
        res,
        400,
        messagePage(
          'Sign-in expired',
          'This sign-in request has expired or has already been completed.',
          'Go back to the application and start signing in again.',
        ),
      );
      return;
    }
    const clientId = String(details.params.client_id ?? '');
    const client = await provider.Client.find(clientId);
    const clientName = (client?.clientName as string | undefined) || clientId;

    if (action === '/abort') {
      if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (action === '/login') {
      if (req.method !== 'POST') throw new HttpError(405, 'method not allowed');
      const form = await readForm(req);
      if (details.prompt.name !== 'login') {
        res.writeHead(303, { Location: `/interaction/${uid}`, 'Content-Length': '0' }).end();
        return;
      }
      const username = (form.get('username') ?? '').trim();
      const password = form.get('password') ?? '';
      const user = username !== '' && Object.hasOwn(users, username) ? users[username] : undefined;
      // Compare even for unknown users so timing does not reveal which names exist.
      const ok = sameSecret(password, user?.password ?? DEMO_PASSWORD) && user !== undefined;
      if (!ok) {
        sendHtml(
          res,
          401,
          loginPage({
            action: `/interaction/${uid}/login`,
            abortUrl: `/interaction/${uid}/abort`,
            clientName,
            username,
            error: 'Invalid username or password.',
            users: hints,
          }),
        );
        return;
      }
      // Granting what was asked for together with the login saves the browser a consent round trip.
      const grant = new provider.Grant({ accountId: username, clientId });
      grant.addOIDCScope(String(details.params.scope ?? 'openid'));
      const requestedClaims = claimsParameterNames(details.params.claims);
      if (requestedClaims.length > 0) grant.addOIDCClaims(requestedClaims);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: username }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
    if (details.prompt.name === 'login') {
      sendHtml(
        res,
        200,
        loginPage({
          action: `/interaction/${uid}/login`,
          abortUrl: `/interaction/${uid}/abort`,
          clientName,
          users: hints,
        }),
      );
      return;
    }
    if (details.prompt.name === 'consent') {
      // Already signed in at the IdP but the client asks for more (or forces prompt=consent):
      // approve it without a page, as the dev client is trusted.
      const accountId = details.session?.accountId;
      if (!accountId) throw new HttpError(400, 'no signed-in user for this consent');
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId }))
        : new provider.Grant({ accountId, clientId });
      const d = details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    sendHtml(res, 501, layout('Not supported', '<h1>Not supported</h1><p class="sub">This step is not supported by the development identity provider.</p>'));
  }
}

function claimsParameterNames(raw: unknown): string[] {
  if (typeof raw !== 'string' || raw === '') return [];
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const names = new Set<string>();
    for (const part of ['id_token', 'userinfo']) {
      const members = parsed[part];
      if (members && typeof members === 'object') for (const k of Object.keys(members)) names.add(k);
    }
    return [...names];
  } catch {
    return [];
  }
}
