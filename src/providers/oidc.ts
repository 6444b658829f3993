// Generic OpenID Connect provider on openid-client: discovery (or hand-written endpoints), the
// authorization URL, code redemption with a fully validated ID token, and the refresh_token grant.

import { isIP } from 'node:net';
import * as oidc from 'openid-client';

import { createIdTokenVerifier, needsOwnIdTokenCheck, type IdTokenVerifier } from './id-token.js';

import type { SessionState } from '../session/state.js';
import { checkCallback, sanitize } from './callback.js';
import type { Fetch } from './tls.js';
import { ProviderError, type AuthorizationRequest, type LogoutMetadata, type Provider, type RedeemRequest } from './provider.js';

export interface OidcProviderOptions {
  providerDisplayName?: string;
  oidcIssuerUrl: string;
  clientId: string;
  /** Empty for a public client (no client authentication at the token endpoint). */
  clientSecret: string;
  /** Space-separated; empty means `openid email profile` (+ ` groups` when allowedGroups is set). */
  scope?: string;
  skipOidcDiscovery?: boolean;
  loginUrl?: string;
  redeemUrl?: string;
  oidcJwksUrl?: string;
  profileUrl?: string;
  oidcEmailClaim?: string;
  oidcGroupsClaim?: string;
  /** Deprecated alias of oidcEmailClaim, honoured when it differs from its default `email`. */
  userIdClaim?: string;
  /** '', 'S256' or 'plain'. */
  codeChallengeMethod?: string;
  insecureOidcSkipNonce?: boolean;
  insecureOidcAllowUnverifiedEmail?: boolean;
  prompt?: string;
  /** Sent as `approval_prompt` when prompt is empty; default `force`. */
  approvalPrompt?: string;
  allowedGroups?: string[];
  /** Per outbound request (discovery, token, userinfo, JWKS); default 30 s. */
  timeoutMs?: number;
  acrValues?: string;
  /** Sent as response_mode on the authorization request (e.g. form_post). */
  authRequestResponseMode?: string;
  /** Never ask the userinfo endpoint for claims the ID token lacks. */
  skipClaimsFromProfileUrl?: boolean;
  /** Accepted ID token algorithms, intersected with the issuer's; empty keeps the issuer's list. */
  oidcEnabledSigningAlgs?: string[];
  /** Claims holding the audience; default [aud]. */
  oidcAudienceClaims?: string[];
  /** Audiences accepted besides the client id. */
  oidcExtraAudiences?: string[];
  /** Accept ID tokens whose iss differs from the issuer (multi-tenant IdPs). */
  insecureOidcSkipIssuerVerification?: boolean;
  /** PEM public keys checking ID token signatures instead of the JWKS URL. */
  oidcPublicKeyFiles?: string[];
  /** Outbound fetch carrying the provider TLS options; the global fetch when absent. */
  fetch?: Fetch | undefined;
  /** Overrides the session's provider id (a provider named in --extra-provider or the alpha list). */
  id?: string;
}

/** What a named provider of the OpenID Connect family changes in the generic one. */
export interface OidcExtension {
  /** Provider kind for the session's provider id, e.g. 'keycloak-oidc'. */
  kind: string;
  displayName: string;
  /** Used when --scope is empty, instead of `openid email profile`. */
  defaultScope?: string;
  /** Claims tried, in order, when the email claim is absent (ADFS: upn). */
  emailFallbackClaims?: readonly string[];
  /** Refuse an email whose email_verified is not exactly true (login.gov). */
  requireVerifiedEmail?: boolean;
  /** Token endpoint client authentication instead of the client secret (login.gov: private_key_jwt). */
  clientAuth?: () => Promise<oidc.ClientAuth>;
  /** The session's user is replaced by enrich (GitLab: the nickname), so it cannot be compared with `sub`. */
  userIsNotSub?: boolean;
  /** Parameters always added to the authorization request. */
  extraAuthParams?: Record<string, string>;
  /** See Provider.allowedGroups. */
  allowedGroups?: readonly string[];
  /** Start-up work of the extension (credentials, URL checks). */
  init?(): Promise<void>;
  /**
   * Adds what the provider knows beyond the ID token (roles, Graph groups, projects), after
   * every sign-in and refresh; may refuse with ProviderError 'unauthorized'.
   */
  enrich?(session: SessionState, ctx: EnrichContext): Promise<void>;
}

export interface EnrichContext {
  claims: Record<string, unknown>;
  accessToken: string;
  /** The userinfo response, fetched once on first use. */
  userinfo(): Promise<Record<string, unknown>>;
  timeoutMs: number;
  fetch?: Fetch | undefined;
}

const DEFAULT_DISPLAY_NAME = 'OpenID Connect';
const DEFAULT_SCOPE = 'openid email profile';
const DEFAULT_TIMEOUT_MS = 30_000;

/** True for hosts that never leave the machine, the only ones where plain http is tolerated. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  const family = isIP(host);
  if (family === 4) return host.split('.')[0] === '127';
  // WHATWG URL already compresses IPv6 literals, so every spelling of loopback arrives as ::1.
  if (family === 6) return host === '::1';
  return false;
}

export function createOidcProvider(opts: OidcProviderOptions, ext?: OidcExtension): Provider {
  return new OidcProvider(opts, ext);
}

interface Identity {
  user: string;
  email: string;
  groups: string[];
  preferredUsername?: string;
}

type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

class OidcProvider implements Provider {
  readonly id: string;
  readonly displayName: string;
  readonly supportsRefresh = true;
  readonly allowedGroups: readonly string[] | undefined;

  readonly #opts: OidcProviderOptions;
  readonly #ext: OidcExtension | undefined;
  readonly #scope: string;
  readonly #emailClaim: string;
  readonly #groupsClaim: string;
  readonly #timeoutMs: number;
  #config: oidc.Configuration | undefined;
  /** Set when the ID token rules go beyond what openid-client checks; see id-token.ts. */
  #idTokens: IdTokenVerifier | undefined;
  #makeConfig: (() => oidc.Configuration) | undefined;

  constructor(opts: OidcProviderOptions, ext?: OidcExtension) {
    this.#opts = opts;
    this.#ext = ext;
    this.id = opts.id ?? `${ext?.kind ?? 'oidc'}=${opts.clientId}`;
    this.displayName = opts.providerDisplayName?.trim() || ext?.displayName || DEFAULT_DISPLAY_NAME;
    this.allowedGroups = ext?.allowedGroups;
    const scope = opts.scope?.trim() ?? '';
    // Same default as oauth2-proxy, so group restrictions work without hand-written scopes.
    this.#scope = scope !== '' ? scope : ext?.defaultScope ?? DEFAULT_SCOPE + ((opts.allowedGroups?.length ?? 0) > 0 ? ' groups' : '');
    this.#emailClaim = pickEmailClaim(opts);
    this.#groupsClaim = opts.oidcGroupsClaim?.trim() || 'groups';
    this.#timeoutMs = opts.timeoutMs !== undefined && opts.timeoutMs > 0 ? opts.timeoutMs : DEFAULT_TIMEOUT_MS;
  }

  async init(): Promise<void> {
    const o = this.#opts;
    if (!o.clientId) throw new ProviderError('config', 'the OIDC provider needs a client id');
    const method = o.codeChallengeMethod ?? '';
    if (method !== '' && method !== 'S256' && method !== 'plain') {
      throw new ProviderError('config', `code challenge method "${method}" is not supported (use S256 or plain)`);
    }
    if (!o.oidcIssuerUrl) throw new ProviderError('config', 'the OIDC provider needs an issuer URL');
    const issuer = checkEndpoint('issuer URL', o.oidcIssuerUrl);

    let server: oidc.ServerMetadata;
    if (o.skipOidcDiscovery) {
      const missing = [
        ['login-url', o.loginUrl],
        ['redeem-url', o.redeemUrl],
        ['oidc-jwks-url', (o.oidcPublicKeyFiles?.length ?? 0) > 0 ? 'public keys' : o.oidcJwksUrl],
      ].filter(([, v]) => !v).map(([k]) => k);
      if (missing.length > 0) {
        throw new ProviderError(
          'config',
          `OIDC discovery is skipped for issuer ${display(issuer)}, so ${missing.join(', ')} must be set`,
        );
      }
      server = {
        issuer: o.oidcIssuerUrl,
        authorization_endpoint: o.loginUrl,
        token_endpoint: o.redeemUrl,
        ...(o.oidcJwksUrl ? { jwks_uri: o.oidcJwksUrl } : {}),
        ...(o.profileUrl ? { userinfo_endpoint: o.profileUrl } : {}),
      };
    } else {
      server = await this.#discover(issuer);
    }

    // Discovered endpoints are held to the same rule as the issuer: a loopback issuer must not be
    // able to point the proxy at plain-http hosts elsewhere.
    let insecure = issuer.protocol === 'http:';
    for (const [name, value] of [
      ['authorization endpoint', server.authorization_endpoint],
      ['token endpoint', server.token_endpoint],
      ['JWKS URL', server.jwks_uri],
      ['userinfo endpoint', server.userinfo_endpoint],
    ] as const) {
      if (value === undefined) continue;
      if (checkEndpoint(`${name} of issuer ${display(issuer)}`, value).protocol === 'http:') insecure = true;
    }
    for (const [name, value] of [
      ['an authorization endpoint', server.authorization_endpoint],
      ['a token endpoint', server.token_endpoint],
      ['a JWKS URL', (o.oidcPublicKeyFiles?.length ?? 0) > 0 ? 'public keys' : server.jwks_uri],
    ] as const) {
      if (!value) throw new ProviderError('discovery', `issuer ${display(issuer)} does not advertise ${name}`);
    }

    server = this.#restrictAlgorithms(server);
    await this.#ext?.init?.();
    const clientAuth = this.#ext?.clientAuth ? await this.#ext.clientAuth() : tokenEndpointAuth(o.clientSecret);
    const own = needsOwnIdTokenCheck(o);
    const makeConfig = (): oidc.Configuration => {
      const config = new oidc.Configuration(server, o.clientId, o.clientSecret ? { client_secret: o.clientSecret } : undefined, clientAuth);
      config.timeout = this.#timeoutMs / 1000;
      if (insecure) oidc.allowInsecureRequests(config);
      if (o.fetch) config[oidc.customFetch] = o.fetch as oidc.CustomFetch;
      // openid-client trusts TLS for ID tokens from the token endpoint; we verify signatures anyway,
      // because loopback issuers are plain http and oauth2-proxy has always checked them.
      if (!own) oidc.enableNonRepudiationChecks(config);
      return config;
    };
    if (own) {
      this.#idTokens = await createIdTokenVerifier(o, server, this.#timeoutMs);
      this.#makeConfig = makeConfig;
    }
    this.#config = makeConfig();
  }

  /**
   * Runs a token grant. With rules openid-client cannot express, the grant runs on its own
   * Configuration whose fetch takes the ID token out of the token response, so openid-client
   * handles the OAuth part and id-token.ts checks the ID token (signature, iss, aud, exp, nonce).
   */
  async #grant(
    run: (config: oidc.Configuration, own: boolean) => Promise<TokenResponse>,
    nonce: string | undefined,
  ): Promise<{ tokens: TokenResponse; claims: oidc.IDToken | undefined; idToken: string | undefined }> {
    const verifier = this.#idTokens;
    if (!verifier || !this.#makeConfig) {
      const tokens = await run(this.#requireConfig(), false);
      return { tokens, claims: tokens.claims(), idToken: tokens.id_token };
    }
    const config = this.#makeConfig();
    const tokenEndpoint = new URL(config.serverMetadata().token_endpoint ?? '').href;
    const base = this.#opts.fetch ?? fetch;
    let idToken: string | undefined;
    config[oidc.customFetch] = (async (url: string, init: RequestInit) => {
      const res = await base(url, init);
      if (new URL(url).href !== tokenEndpoint || !res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
      const body = (await res.json()) as Record<string, unknown>;
      if (typeof body.id_token === 'string') idToken = body.id_token;
      delete body.id_token;
      return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } });
    }) as unknown as oidc.CustomFetch;
    const tokens = await run(config, true);
    const claims = idToken !== undefined ? await verifier.verify(idToken, nonce) : undefined;
    return { tokens, claims, idToken };
  }

  async #discover(issuer: URL): Promise<oidc.ServerMetadata> {
    const o = this.#opts;
    let discovered: oidc.Configuration;
    try {
      discovered = await oidc.discovery(issuer, o.clientId, undefined, undefined, {
        timeout: this.#timeoutMs / 1000,
        execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
        ...(o.fetch ? { [oidc.customFetch]: o.fetch as oidc.CustomFetch } : {}),
      });
    } catch (err) {
      throw new ProviderError(
        'discovery',
        `OIDC discovery for issuer ${display(issuer)} failed: ${describeFailure(err, this.#timeoutMs, [o.clientSecret])}`,
      );
    }
    // Like oauth2-proxy, discovered endpoints win over configured ones; a profile URL only fills
    // the gap when the issuer has no userinfo endpoint.
    const server: oidc.ServerMetadata = { ...discovered.serverMetadata() };
    if (server.userinfo_endpoint || !o.profileUrl) return server;
    return { ...server, userinfo_endpoint: o.profileUrl };
  }

  /**
   * --oidc-enabled-signing-alg as oauth2-proxy applies it: the issuer's advertised algorithms that
   * are enabled, or the enabled list itself when the issuer advertises none.
   */
  #restrictAlgorithms(server: oidc.ServerMetadata): oidc.ServerMetadata {
    const enabled = (this.#opts.oidcEnabledSigningAlgs ?? []).map((a) => a.trim()).filter(Boolean);
    if (enabled.length === 0) return server;
    const advertised = server.id_token_signing_alg_values_supported;
    const algs = Array.isArray(advertised) && advertised.length > 0 ? advertised.filter((a) => enabled.includes(a)) : enabled;
    if (algs.length === 0) {
      throw new ProviderError(
        'config',
        `--oidc-enabled-signing-alg: none of ${enabled.join(', ')} is among the issuer's ID token algorithms (${advertised?.join(', ')})`,
      );
    }
    return { ...server, id_token_signing_alg_values_supported: algs };
  }

  pkceMethod(): 'S256' | 'plain' | '' {
    const configured = this.#opts.codeChallengeMethod;
    if (configured === 'S256' || configured === 'plain') return configured;
    const advertised = this.#config?.serverMetadata().code_challenge_methods_supported;
    return Array.isArray(advertised) && advertised.includes('S256') ? 'S256' : '';
  }

  authorizationUrl(r: AuthorizationRequest): URL {
    const config = this.#requireConfig();
    const params = new URLSearchParams();
    params.set('redirect_uri', r.redirectUri);
    params.set('response_type', 'code');
    params.set('scope', this.#scope);
    params.set('state', r.state);
    if (!this.#opts.insecureOidcSkipNonce) {
      if (!r.nonce) throw new ProviderError('config', 'a nonce is required unless insecure-oidc-skip-nonce is set');
      params.set('nonce', r.nonce);
    }
    if (r.codeChallenge) {
      params.set('code_challenge', r.codeChallenge);
      params.set('code_challenge_method', r.codeChallengeMethod ?? (this.pkceMethod() || 'S256'));
    }
    const prompt = this.#opts.prompt?.trim() ?? '';
    const approvalPrompt = (this.#opts.approvalPrompt ?? 'force').trim();
    if (prompt !== '') params.set('prompt', prompt);
    else if (approvalPrompt !== '') params.set('approval_prompt', approvalPrompt);
    if (this.#opts.acrValues) params.set('acr_values', this.#opts.acrValues);
    const responseMode = this.#opts.authRequestResponseMode?.trim() ?? '';
    if (responseMode !== '') params.set('response_mode', responseMode);
    for (const [k, v] of Object.entries(this.#ext?.extraAuthParams ?? {})) if (!params.has(k)) params.set(k, v);
    return oidc.buildAuthorizationUrl(config, params);
  }

  async redeem(r: RedeemRequest): Promise<SessionState> {
    this.#requireConfig();
    const secrets = [r.code, r.codeVerifier, this.#opts.clientSecret];
    checkCallback(r, secrets);
    const skipNonce = this.#opts.insecureOidcSkipNonce === true;
    if (!skipNonce && !r.nonce) {
      throw new ProviderError('config', 'a nonce is required unless insecure-oidc-skip-nonce is set');
    }

    // The token request must repeat the redirect URI exactly as sent, whatever host or scheme the
    // callback reached us on behind other proxies; openid-client derives it from this URL.
    const current = new URL(r.redirectUri);
    current.search = r.callbackUrl.search;
    current.hash = '';

    let tokens: TokenResponse;
    let claims: oidc.IDToken | undefined;
    let idToken: string | undefined;
    try {
      ({ tokens, claims, idToken } = await this.#grant(
        (cfg, own) =>
          oidc.authorizationCodeGrant(cfg, current, {
            expectedState: r.state,
            expectedNonce: skipNonce || own ? undefined : r.nonce,
            pkceCodeVerifier: r.codeVerifier,
            idTokenExpected: !own,
          }),
        skipNonce ? undefined : r.nonce,
      ));
    } catch (err) {
      throw toProviderError(err, 'redeeming the authorization code', this.#timeoutMs, secrets);
    }
    if (!claims) throw new ProviderError('id_token_invalid', 'the token response carries no ID token');
    const userinfo = this.#userinfoOnce(tokens.access_token, claims.sub, [...secrets, tokens.access_token, tokens.refresh_token]);
    const identity = await this.#identity(claims, userinfo);
    return this.#enrich(this.#session(identity, tokens, idToken, undefined), claims, tokens.access_token, userinfo);
  }

  async refresh(s: SessionState): Promise<SessionState> {
    this.#requireConfig();
    if (!s.refreshToken) {
      throw new ProviderError('no_refresh_token', 'the session has no refresh token', { fatal: false });
    }
    const secrets = [s.refreshToken, s.accessToken, s.idToken, this.#opts.clientSecret];
    const refreshToken = s.refreshToken;
    let tokens: TokenResponse;
    let claims: oidc.IDToken | undefined;
    let idToken: string | undefined;
    try {
      ({ tokens, claims, idToken } = await this.#grant((cfg) => oidc.refreshTokenGrant(cfg, refreshToken), undefined));
    } catch (err) {
      throw toProviderError(err, 'refreshing the session', this.#timeoutMs, secrets);
    }
    let identity: Identity = { user: s.user, email: s.email, groups: s.groups, preferredUsername: s.preferredUsername };
    const sub = claims?.sub ?? s.user;
    const userinfo = this.#userinfoOnce(tokens.access_token, sub, [...secrets, tokens.access_token, tokens.refresh_token]);
    if (claims) {
      // OIDC Core 12.2: a refreshed ID token must describe the same End-User.
      if (s.user && claims.sub !== s.user && !this.#ext?.userIsNotSub) {
        throw new ProviderError('id_token_invalid', 'the refreshed ID token is for a different subject', { fatal: true });
      }
      identity = await this.#identity(claims, userinfo);
    }
    return this.#enrich(this.#session(identity, tokens, idToken, s), claims ?? {}, tokens.access_token, userinfo);
  }

  async #enrich(
    session: SessionState,
    claims: Record<string, unknown>,
    accessToken: string,
    userinfo: () => Promise<Record<string, unknown>>,
  ): Promise<SessionState> {
    if (!this.#ext?.enrich) return session;
    await this.#ext.enrich(session, { claims, accessToken, userinfo, timeoutMs: this.#timeoutMs, fetch: this.#opts.fetch });
    session.groups = [...new Set(session.groups)];
    return session;
  }

  #userinfoOnce(accessToken: string, sub: string, secrets: Array<string | undefined>): () => Promise<Record<string, unknown>> {
    let pending: Promise<Record<string, unknown>> | undefined;
    return () => {
      pending ??= (async () => {
        const config = this.#requireConfig();
        if (!config.serverMetadata().userinfo_endpoint) {
          throw new ProviderError('config', 'the identity provider has no userinfo endpoint (set --profile-url)');
        }
        try {
          return (await oidc.fetchUserInfo(config, accessToken, sub)) as Record<string, unknown>;
        } catch (err) {
          throw toProviderError(err, 'fetching userinfo', this.#timeoutMs, secrets);
        }
      })();
      return pending;
    };
  }

  #session(identity: Identity, tokens: TokenResponse, idToken: string | undefined, previous: SessionState | undefined): SessionState {
    const now = Date.now();
    const expiresIn = tokens.expiresIn();
    const session: SessionState = {
      user: identity.user,
      email: identity.email,
      groups: identity.groups,
      accessToken: tokens.access_token,
      // A refresh response without a new ID or refresh token leaves the previous one in force.
      idToken: idToken ?? previous?.idToken,
      refreshToken: tokens.refresh_token ?? previous?.refreshToken,
      createdAt: now,
      expiresOn: expiresIn !== undefined ? now + expiresIn * 1000 : 0,
      providerId: previous?.providerId ?? this.id,
    };
    if (identity.preferredUsername !== undefined) session.preferredUsername = identity.preferredUsername;
    return session;
  }

  /** Claims from the ID token, completed from the userinfo endpoint when email or groups are absent. */
  async #identity(claims: oidc.IDToken, userinfo: () => Promise<Record<string, unknown>>): Promise<Identity> {
    const config = this.#requireConfig();
    let email = stringClaim(claims, this.#emailClaim);
    let emailSource: Record<string, unknown> = claims;
    let groups = claimValue(claims, this.#groupsClaim);
    let preferredUsername = stringClaim(claims, 'preferred_username');

    const askUserinfo = !this.#opts.skipClaimsFromProfileUrl && config.serverMetadata().userinfo_endpoint;
    if ((email === undefined || groups === undefined) && askUserinfo) {
      try {
        const info = await userinfo();
        if (email === undefined) {
          email = stringClaim(info, this.#emailClaim);
          emailSource = info;
        }
        groups ??= claimValue(info, this.#groupsClaim);
        preferredUsername ??= stringClaim(info, 'preferred_username');
      } catch (err) {
        // Groups are optional; only a missing email makes a failed userinfo call fatal to the sign-in.
        if (email === undefined) throw err;
      }
    }
    for (const fallback of this.#ext?.emailFallbackClaims ?? []) {
      if (email !== undefined) break;
      email = stringClaim(claims, fallback);
    }
    if (this.#ext?.requireVerifiedEmail && email !== undefined && emailSource.email_verified !== true) {
      throw new ProviderError('email_unverified', `the email address of ${claims.sub} is not verified by the identity provider`);
    }

    // email_verified speaks about the `email` claim only, so a custom email claim is not judged by it.
    if (this.#emailClaim === 'email' && emailSource.email_verified === false && !this.#opts.insecureOidcAllowUnverifiedEmail) {
      throw new ProviderError('email_unverified', `the email address of ${claims.sub} is not verified by the identity provider`);
    }
    if (email === undefined) {
      throw new ProviderError(
        'missing_email',
        `neither the ID token nor the userinfo endpoint provided an email (claim "${this.#emailClaim}")`,
      );
    }
    const identity: Identity = { user: claims.sub, email, groups: toGroups(groups) };
    if (preferredUsername !== undefined) identity.preferredUsername = preferredUsername;
    return identity;
  }

  logoutMetadata(): LogoutMetadata | undefined {
    const server = this.#config?.serverMetadata();
    if (!server?.jwks_uri) return undefined;
    const out: LogoutMetadata = { issuer: server.issuer, clientId: this.#opts.clientId, jwksUri: server.jwks_uri };
    if (typeof server.end_session_endpoint === 'string') out.endSessionEndpoint = server.end_session_endpoint;
    return out;
  }

  #requireConfig(): oidc.Configuration {
    if (!this.#config) throw new Error('OIDC provider used before init() completed');
    return this.#config;
  }
}

function pickEmailClaim(o: OidcProviderOptions): string {
  const emailClaim = o.oidcEmailClaim?.trim() ?? '';
  const userIdClaim = o.userIdClaim?.trim() ?? '';
  if (emailClaim !== '' && emailClaim !== 'email') return emailClaim;
  if (userIdClaim !== '' && userIdClaim !== 'email') return userIdClaim;
  return 'email';
}

/** client_secret_basic unless the issuer says it only takes the secret in the body. */
function tokenEndpointAuth(secret: string): oidc.ClientAuth {
  if (!secret) return oidc.None();
  const basic = oidc.ClientSecretBasic(secret);
  const post = oidc.ClientSecretPost(secret);
  return (as, client, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const postOnly = Array.isArray(methods) && methods.includes('client_secret_post') && !methods.includes('client_secret_basic');
    (postOnly ? post : basic)(as, client, body, headers);
  };
}

export function checkEndpoint(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError('config', `${name} "${raw}" is not a valid URL`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:') {
    if (isLoopbackHost(url.hostname)) return url;
    throw new ProviderError(
      'config',
      `${name} ${display(url)} must use https; plain http is accepted only for loopback hosts (127.0.0.0/8, ::1, localhost)`,
    );
  }
  throw new ProviderError('config', `${name} ${display(url)} must be an https URL`);
}

/** A URL fit for messages: no credentials, no query (which may carry anything). */
function display(url: URL): string {
  return url.origin + url.pathname;
}

/** Looks a claim up by its exact name first, then as a dotted path into nested objects. */
function claimValue(claims: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function stringClaim(claims: Record<string, unknown>, name: string): string | undefined {
  const v = claimValue(claims, name);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toGroups(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const g of list) {
    if (g === null || g === undefined) continue;
    const s = typeof g === 'string' ? g : typeof g === 'object' ? JSON.stringify(g) : String(g);
    if (s !== '') out.push(s);
  }
  return out;
}

const ID_TOKEN_CODES = new Set([
  'OAUTH_JWT_CLAIM_COMPARISON_FAILED',
  'OAUTH_JWT_TIMESTAMP_CHECK_FAILED',
  'OAUTH_KEY_SELECTION_FAILED',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The low-level errno (ECONNREFUSED, UND_ERR_…) somewhere in the cause chain, if any. */
function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 6 && cur; i++) {
    const code = errorCode(cur);
    if (code && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  if (err instanceof TypeError && err.message === 'fetch failed') return 'fetch failed';
  return undefined;
}

/** openid-client wraps the interesting oauth4webapi error; its fixed text never carries values. */
function libraryMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && errorCode(cause)?.startsWith('OAUTH_')) return cause.message;
  return err instanceof Error ? err.message : 'unknown error';
}

function describeFailure(err: unknown, timeoutMs: number, secrets: Array<string | undefined>): string {
  const code = errorCode(err);
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT') return `no answer within ${timeoutMs} ms`;
  const net = networkCode(err);
  if (net) return `network error (${net})`;
  if (err instanceof oidc.ResponseBodyError) return `error response ${err.status} ${sanitize(err.error, secrets)}`;
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = (err as { cause?: { status?: unknown } }).cause?.status;
    return `unexpected HTTP status${typeof status === 'number' ? ` ${status}` : ''}`;
  }
  return sanitize(libraryMessage(err), secrets);
}

function toProviderError(err: unknown, doing: string, timeoutMs: number, secrets: Array<string | undefined>): ProviderError {
  if (err instanceof ProviderError) return err;

  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError) {
    const code = err.error || 'idp_error';
    const description = sanitize(err.error_description ?? '', secrets);
    return new ProviderError(code, `${doing} was rejected by the identity provider: ${code}${description ? ` (${description})` : ''}`);
  }
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0];
    const code = challenge?.parameters.error ?? (err.status === 401 ? 'invalid_client' : 'idp_error');
    const description = sanitize(challenge?.parameters.error_description ?? '', secrets);
    return new ProviderError(code, `${doing} was rejected by the identity provider: ${code}${description ? ` (${description})` : ''}`);
  }

  const code = errorCode(err);
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || networkCode(err)) {
    return new ProviderError('network', `${doing} failed: ${describeFailure(err, timeoutMs, secrets)}`, { fatal: false });
  }
  const message = libraryMessage(err);
  const causeCode = errorCode((err as { cause?: unknown }).cause);
  if (
    ID_TOKEN_CODES.has(code ?? '') ||
    ID_TOKEN_CODES.has(causeCode ?? '') ||
    /ID Token|JWT|JWS|signature/i.test(message)
  ) {
    return new ProviderError('id_token_invalid', `${doing} failed: the ID token is not valid: ${sanitize(message, secrets)}`, {
      fatal: false,
    });
  }
  return new ProviderError('idp_error', `${doing} failed: ${describeFailure(err, timeoutMs, secrets)}`, { fatal: false });
}
