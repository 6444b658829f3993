// The generic OAuth2 provider: an authorization URL, the code redeemed with a form POST (client id
// and secret in the body, as oauth2-proxy sends them), and a provider-specific step that turns the
// access token into an identity. GitHub, Bitbucket, Google and the others override only that step
// (and, where the provider has one, refresh).

import { createApiClient, type ApiClient } from './http.js';
import type { Fetch } from './tls.js';
import { checkCallback } from './callback.js';
import { checkEndpoint } from './oidc.js';
import { ProviderError, type AuthorizationRequest, type Provider, type RedeemRequest } from './provider.js';
import type { SessionState } from '../session/state.js';

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  /** Seconds, when the provider said. */
  expiresIn?: number;
  raw: Record<string, unknown>;
}

export interface Identity {
  user: string;
  email: string;
  groups: string[];
  preferredUsername?: string;
}

export interface OAuth2Options {
  /** Provider kind, e.g. 'github'; the session's provider id is `<kind>=<client id>`. */
  kind: string;
  /** Overrides the session's provider id (a provider named in --extra-provider or the alpha list). */
  id?: string;
  displayName: string;
  clientId: string;
  clientSecret: string;
  loginUrl: string;
  redeemUrl: string;
  scope: string;
  prompt?: string;
  approvalPrompt?: string;
  acrValues?: string;
  /** Sent as `resource` in the token request, as oauth2-proxy's generic redeem does. */
  resource?: string;
  codeChallengeMethod?: string;
  /** Always sent with the authorization request (after the standard parameters). */
  extraAuthParams?: Record<string, string>;
  timeoutMs: number;
  /** Outbound fetch carrying the provider TLS options; the global fetch when absent. */
  fetch?: Fetch | undefined;
  /** Secrets of the configuration (tokens, keys) that must never reach a message. */
  secrets?: string[];
  /** Effective allowed groups (see Provider.allowedGroups); undefined keeps --allowed-group. */
  allowedGroups?: readonly string[];
}

export abstract class OAuth2Provider implements Provider {
  readonly id: string;
  readonly displayName: string;
  readonly supportsRefresh: boolean = false;
  readonly allowedGroups: readonly string[] | undefined;
  protected readonly api: ApiClient;
  protected readonly opts: OAuth2Options;

  constructor(opts: OAuth2Options) {
    this.opts = opts;
    this.id = opts.id ?? `${opts.kind}=${opts.clientId}`;
    this.displayName = opts.displayName;
    this.allowedGroups = opts.allowedGroups;
    this.api = createApiClient({ name: opts.displayName, timeoutMs: opts.timeoutMs, fetch: opts.fetch });
  }

  /** The provider-specific step: who the access token belongs to, and what they may do. */
  protected abstract identify(tokens: TokenSet, previous: SessionState | undefined): Promise<Identity>;

  /** URLs this provider calls besides the login and redeem URLs, checked at start-up. */
  protected endpoints(): Array<[string, string | undefined]> {
    return [];
  }

  async init(): Promise<void> {
    const o = this.opts;
    if (!o.clientId) throw new ProviderError('config', `the ${o.kind} provider needs a client id`);
    const method = o.codeChallengeMethod ?? '';
    if (method !== '' && method !== 'S256' && method !== 'plain') {
      throw new ProviderError('config', `code challenge method "${method}" is not supported (use S256 or plain)`);
    }
    for (const [name, value] of [['login URL', o.loginUrl], ['redeem URL', o.redeemUrl], ...this.endpoints()] as const) {
      if (value) checkEndpoint(`${o.kind} ${name}`, value);
      else if (name === 'login URL' || name === 'redeem URL') throw new ProviderError('config', `the ${o.kind} provider needs a ${name}`);
    }
  }

  pkceMethod(): 'S256' | 'plain' | '' {
    const m = this.opts.codeChallengeMethod;
    return m === 'S256' || m === 'plain' ? m : '';
  }

  authorizationUrl(r: AuthorizationRequest): URL {
    const url = new URL(this.opts.loginUrl);
    const p = url.searchParams;
    p.set('redirect_uri', r.redirectUri);
    p.append('scope', this.opts.scope);
    p.set('client_id', this.opts.clientId);
    p.set('response_type', 'code');
    p.append('state', r.state);
    if (r.codeChallenge) {
      p.set('code_challenge', r.codeChallenge);
      p.set('code_challenge_method', r.codeChallengeMethod ?? (this.pkceMethod() || 'S256'));
    }
    const prompt = this.opts.prompt?.trim() ?? '';
    const approvalPrompt = (this.opts.approvalPrompt ?? 'force').trim();
    if (prompt !== '') p.set('prompt', prompt);
    else if (approvalPrompt !== '') p.set('approval_prompt', approvalPrompt);
    if (this.opts.acrValues) p.set('acr_values', this.opts.acrValues);
    for (const [k, v] of Object.entries(this.extraAuthParams(r))) p.set(k, v);
    return url;
  }

  protected extraAuthParams(_r: AuthorizationRequest): Record<string, string> {
    return this.opts.extraAuthParams ?? {};
  }

  async redeem(r: RedeemRequest): Promise<SessionState> {
    const secrets = [r.code, r.codeVerifier, ...this.secretValues()];
    const code = checkCallback(r, secrets);
    const params = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: r.redirectUri });
    if (r.codeVerifier) params.set('code_verifier', r.codeVerifier);
    if (this.opts.resource) params.set('resource', this.opts.resource);
    const tokens = await this.exchange(params, 'redeeming the authorization code', r);
    return this.session(tokens, await this.identify(tokens, undefined), undefined);
  }

  async refresh(s: SessionState): Promise<SessionState> {
    if (!this.supportsRefresh || !s.refreshToken) {
      throw new ProviderError('no_refresh_token', 'the session has no refresh token', { fatal: false });
    }
    const tokens = await this.exchange(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: s.refreshToken }), 'refreshing the session');
    return this.session(tokens, await this.identify(tokens, s), s);
  }

  /** Client authentication for the token request; oauth2-proxy puts id and secret in the body. */
  protected async authenticate(body: URLSearchParams, _r: RedeemRequest | undefined): Promise<void> {
    body.set('client_id', this.opts.clientId);
    if (this.opts.clientSecret) body.set('client_secret', this.opts.clientSecret);
  }

  protected async exchange(body: URLSearchParams, doing: string, r?: RedeemRequest): Promise<TokenSet> {
    await this.authenticate(body, r);
    let res;
    try {
      res = await this.api.call(this.opts.redeemUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body,
      });
    } catch (err) {
      if (err instanceof ProviderError) throw new ProviderError(err.code, `${doing} failed: ${err.message}`, { fatal: err.fatal });
      throw err;
    }
    // Some providers answer with a form-encoded body whatever Accept says.
    const raw: Record<string, unknown> =
      res.json !== undefined && res.json !== null && typeof res.json === 'object' && !Array.isArray(res.json)
        ? (res.json as Record<string, unknown>)
        : Object.fromEntries(new URLSearchParams(res.text));
    const str = (k: string) => (typeof raw[k] === 'string' && raw[k] !== '' ? (raw[k] as string) : undefined);
    const accessToken = str('access_token');
    if (!accessToken) {
      const code = str('error');
      if (code && /^[a-z_]{1,64}$/i.test(code)) {
        throw new ProviderError(code, `${doing} was rejected by the identity provider: ${code}`);
      }
      throw new ProviderError('idp_error', `${doing} failed: the token response carries no access token`, { fatal: false });
    }
    const expires = Number(raw.expires_in);
    const tokens: TokenSet = { accessToken, raw };
    const refreshToken = str('refresh_token');
    const idToken = str('id_token');
    if (refreshToken) tokens.refreshToken = refreshToken;
    if (idToken) tokens.idToken = idToken;
    if (Number.isFinite(expires) && expires > 0) tokens.expiresIn = expires;
    return tokens;
  }

  protected secretValues(): string[] {
    return [this.opts.clientSecret, ...(this.opts.secrets ?? [])].filter(Boolean);
  }

  protected session(tokens: TokenSet, who: Identity, previous: SessionState | undefined): SessionState {
    if (!who.email) {
      throw new ProviderError('missing_email', `the ${this.opts.displayName} account has no usable email address`);
    }
    const now = Date.now();
    const s: SessionState = {
      user: who.user,
      email: who.email,
      groups: who.groups,
      accessToken: tokens.accessToken,
      createdAt: now,
      expiresOn: tokens.expiresIn !== undefined ? now + tokens.expiresIn * 1000 : 0,
      providerId: previous?.providerId ?? this.id,
    };
    const idToken = tokens.idToken ?? previous?.idToken;
    const refreshToken = tokens.refreshToken ?? previous?.refreshToken;
    if (idToken) s.idToken = idToken;
    if (refreshToken) s.refreshToken = refreshToken;
    if (who.preferredUsername) s.preferredUsername = who.preferredUsername;
    return s;
  }
}

/** Bearer authorization plus JSON accept, the headers most provider APIs want. */
export function bearer(token: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${token}`, Accept: 'application/json', ...extra };
}

/** The configured value, or the provider's default when the option was left empty. */
export function orDefault(value: string | undefined, fallback: string): string {
  const v = value?.trim() ?? '';
  return v !== '' ? v : fallback;
}

/** A refusal by the provider's own rules: shown as 403, the reason goes to the auth log. */
export function unauthorized(reasons: string[]): ProviderError {
  return new ProviderError('unauthorized', reasons.join('; '), { fatal: true });
}
