// azure (deprecated in oauth2-proxy, kept for drop-in compatibility): Azure AD through its OAuth2
// endpoints, v1 (`/oauth2/authorize`, with a `resource`) or v2 (`/oauth2/v2.0/authorize`, scopes
// only). Endpoints and keys come from discovery of --oidc-issuer-url, or, with
// --skip-oidc-discovery, from the configured URLs (defaults on login.microsoftonline.com, with
// --azure-tenant in the path) and --oidc-jwks-url. The ID token is always verified (signature,
// issuer, audience, expiry) before its claims are used. On v2 the access token is for Microsoft
// Graph, whose transitiveMemberOf gives the user's security groups (--azure-graph-group-field picks
// the property used as the group name).

import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { jwksOptions } from './tls.js';

import type { ProviderConfig } from './config.js';
import { createApiClient, describeUrl, stringAt, stringsAt, unique } from './http.js';
import { bearer, OAuth2Provider, orDefault, type Identity, type OAuth2Options, type TokenSet } from './oauth2.js';
import { checkEndpoint } from './oidc.js';
import { ProviderError } from './provider.js';
import type { SessionState } from '../session/state.js';

const LOGIN_HOST = 'https://login.microsoftonline.com';
const GRAPH_HOST = 'graph.microsoft.com';
const DEFAULT_TENANT = 'common';
const MAX_GROUP_PAGES = 100;
/** Multi-tenant discovery documents name the issuer with this placeholder for the token's `tid`. */
const TENANT_PLACEHOLDER = '{tenantid}';

export interface AzureSettings {
  tenant: string;
  /** Graph property used as the group name. */
  groupField: string;
  /** v2.0 endpoints: scopes instead of `resource`, and groups from Graph. */
  v2: boolean;
  scope: string;
  resource?: string;
  loginUrl: string;
  redeemUrl: string;
}

/** True when the login URL, or else the issuer, names Microsoft's v2.0 endpoints. */
export function isV2Endpoint(loginUrl: string, issuerUrl: string | undefined): boolean {
  if (loginUrl !== '') return loginUrl.includes('v2.0');
  return /\/v2\.0\/?$/.test(issuerUrl ?? '');
}

function defaultUrl(tenant: string, v2: boolean, endpoint: 'authorize' | 'token'): string {
  return `${LOGIN_HOST}/${encodeURIComponent(tenant)}/oauth2/${v2 ? 'v2.0/' : ''}${endpoint}`;
}

/**
 * The tenant replaces `common` in Microsoft's default URL; a URL of the operator's own is kept
 * as it is (oauth2-proxy rewrites only its defaults).
 */
function endpointUrl(configured: string | undefined, tenant: string, v2: boolean, endpoint: 'authorize' | 'token'): string {
  const value = configured?.trim() ?? '';
  if (value === '' || value === defaultUrl(DEFAULT_TENANT, false, endpoint)) return defaultUrl(tenant, v2, endpoint);
  return value;
}

/**
 * v2 scopes: Graph's `.default` is needed to read groups, and Microsoft refuses `groups` as a
 * scope on v2.
 */
export function azureScope(configured: string | undefined, v2: boolean, graphHost: string): string {
  const scopes = orDefault(configured, 'openid').split(/\s+/).filter(Boolean);
  if (!v2) return scopes.join(' ');
  const graphScope = `https://${graphHost}/.default`;
  const out = scopes.filter((s) => s !== 'groups');
  if (!out.includes(graphScope)) out.push(graphScope);
  return out.join(' ');
}

export function azureSettings(c: ProviderConfig, login?: { loginUrl: string; redeemUrl: string }): AzureSettings {
  const tenant = orDefault(c.azureTenant, DEFAULT_TENANT);
  const configuredLogin = login?.loginUrl ?? c.loginUrl?.trim() ?? '';
  const v2 = isV2Endpoint(configuredLogin === defaultUrl(DEFAULT_TENANT, false, 'authorize') ? '' : configuredLogin, c.oidcIssuerUrl);
  const loginUrl = login ? login.loginUrl : endpointUrl(c.loginUrl, tenant, v2, 'authorize');
  const redeemUrl = login ? login.redeemUrl : endpointUrl(c.redeemUrl, tenant, v2, 'token');
  const s: AzureSettings = {
    tenant,
    groupField: orDefault(c.azureGraphGroupField, 'id'),
    v2,
    scope: azureScope(c.scope, v2, graphHostOf(c)),
    loginUrl,
    redeemUrl,
  };
  // Microsoft's v2.0 endpoints have no `resource`; the scopes name what the token is for.
  const resource = c.resource?.trim() ?? '';
  if (!v2 && resource !== '') s.resource = resource;
  return s;
}

function graphHostOf(c: ProviderConfig): string {
  const profile = c.profileUrl?.trim() ?? '';
  if (profile === '') return GRAPH_HOST;
  try {
    return new URL(profile).host;
  } catch {
    return GRAPH_HOST;
  }
}

/** Graph's `/me`, where groups are read; on the host of --profile-url when one is set. */
function graphMeUrl(c: ProviderConfig): string {
  const override = c.apiBaseUrls?.microsoftGraph;
  if (override) return override.replace(/\/+$/, '');
  return `https://${graphHostOf(c)}/v1.0/me`;
}

/** Security groups only; Graph requires $count and ConsistencyLevel with this filter. */
export function graphGroupsUrl(graphMe: string, field: string): string {
  const select = ['displayName', 'id', ...(field === 'displayName' || field === 'id' ? [] : [field])].join(',');
  return `${graphMe}/transitiveMemberOf?$count=true&$filter=securityEnabled+eq+true&$select=${select}`;
}

interface KeySource {
  issuer: string;
  jwksUrl: string;
}

export class AzureProvider extends OAuth2Provider {
  override readonly supportsRefresh = true;
  readonly #config: ProviderConfig;
  #settings: AzureSettings;
  #keys: KeySource | undefined;
  #jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  readonly #graphMe: string;
  readonly #profileUrl: string;

  constructor(c: ProviderConfig, opts: OAuth2Options, settings: AzureSettings) {
    super(opts);
    this.#config = c;
    this.#settings = settings;
    this.#graphMe = graphMeUrl(c);
    this.#profileUrl = c.profileUrl?.trim() || this.#graphMe;
  }

  /** v1 or v2, and the endpoints in use (after discovery once init() has run). */
  get settings(): Readonly<AzureSettings> {
    return this.#settings;
  }

  protected override endpoints(): Array<[string, string | undefined]> {
    return [['JWKS URL', this.#keys?.jwksUrl], ['Microsoft Graph URL', this.#graphMe], ['profile URL', this.#profileUrl]];
  }

  override async init(): Promise<void> {
    const c = this.#config;
    const issuer = c.oidcIssuerUrl?.trim() ?? '';
    if (issuer === '') throw new ProviderError('config', 'the azure provider needs an issuer URL (--oidc-issuer-url) to verify ID tokens');
    if (c.skipOidcDiscovery) {
      const jwksUrl = c.oidcJwksUrl?.trim() ?? '';
      if (jwksUrl === '') throw new ProviderError('config', 'the azure provider needs --oidc-jwks-url when OIDC discovery is skipped');
      this.#keys = { issuer, jwksUrl };
    } else {
      const found = await this.#discover(issuer);
      this.#keys = { issuer: found.issuer, jwksUrl: found.jwksUrl };
      // As in oauth2-proxy, discovered endpoints replace configured ones.
      this.#apply(azureSettings(c, { loginUrl: found.loginUrl, redeemUrl: found.redeemUrl }));
    }
    await super.init();
    this.#jwks = createRemoteJWKSet(new URL(this.#keys.jwksUrl), jwksOptions(this.opts.timeoutMs, this.opts.fetch));
  }

  #apply(s: AzureSettings): void {
    this.#settings = s;
    this.opts.loginUrl = s.loginUrl;
    this.opts.redeemUrl = s.redeemUrl;
    this.opts.scope = s.scope;
    if (s.resource !== undefined) {
      this.opts.resource = s.resource;
      this.opts.extraAuthParams = { resource: s.resource };
    } else {
      delete this.opts.resource;
      delete this.opts.extraAuthParams;
    }
  }

  async #discover(issuerUrl: string): Promise<KeySource & { loginUrl: string; redeemUrl: string }> {
    const issuer = checkEndpoint('azure issuer URL', issuerUrl);
    const where = `${issuer.pathname.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = await createApiClient({ name: 'Azure discovery', timeoutMs: this.opts.timeoutMs, fetch: this.opts.fetch }).getJson(new URL(where, issuer));
    const found = {
      issuer: stringAt(doc, ['issuer']),
      loginUrl: stringAt(doc, ['authorization_endpoint']),
      redeemUrl: stringAt(doc, ['token_endpoint']),
      jwksUrl: stringAt(doc, ['jwks_uri']),
    };
    for (const [name, value] of Object.entries(found)) {
      if (!value) throw new ProviderError('discovery', `the discovery document of ${describeUrl(issuer)} has no ${name}`);
    }
    const advertised = found.issuer as string;
    // A multi-tenant document advertises a template; tokens are then held to it with their own tid.
    if (!advertised.includes(TENANT_PLACEHOLDER) && trimSlash(advertised) !== trimSlash(issuerUrl)) {
      throw new ProviderError('discovery', `the discovery document of ${describeUrl(issuer)} names a different issuer`);
    }
    return found as KeySource & { loginUrl: string; redeemUrl: string };
  }

  protected async identify(tokens: TokenSet, previous: SessionState | undefined): Promise<Identity> {
    let who: Identity;
    let claimGroups: string[] = [];
    if (tokens.idToken) {
      const claims = await this.#verify(tokens.idToken);
      if (previous && previous.user && claims.sub !== previous.user) {
        throw new ProviderError('id_token_invalid', 'the refreshed ID token is for a different subject', { fatal: true });
      }
      const email = this.#email(claims) ?? (await this.#profileEmail(tokens.accessToken));
      who = { user: claims.sub ?? '', email, groups: [] };
      const preferred = stringAt(claims, ['preferred_username']);
      if (preferred) who.preferredUsername = preferred;
      claimGroups = groupsClaim(claims, orDefault(this.#config.oidcGroupsClaim, 'groups'));
    } else if (previous) {
      // Refresh responses may leave the ID token out; the identity it established still holds.
      who = { user: previous.user, email: previous.email, groups: [] };
      if (previous.preferredUsername) who.preferredUsername = previous.preferredUsername;
      claimGroups = this.#settings.v2 ? [] : previous.groups;
    } else {
      throw new ProviderError('id_token_invalid', 'the Azure token response carries no ID token (is `openid` in --scope?)', { fatal: false });
    }
    who.groups = this.#settings.v2 ? unique([...claimGroups, ...(await this.#graphGroups(tokens.accessToken))]) : claimGroups;
    return who;
  }

  async #verify(idToken: string): Promise<JWTPayload> {
    const keys = this.#keys;
    const jwks = this.#jwks;
    if (!keys || !jwks) throw new Error('azure provider used before init() completed');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(idToken, jwks, { audience: this.opts.clientId }));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new ProviderError('id_token_invalid', `the Azure ID token is not valid${typeof code === 'string' ? ` (${code})` : ''}`, { fatal: false });
    }
    if (!issuerMatches(keys.issuer, claims)) throw new ProviderError('id_token_invalid', 'the Azure ID token is from an unexpected issuer', { fatal: false });
    return claims;
  }

  /** The email claim, then the account names Azure puts in tokens without one (v1 tokens mostly). */
  #email(claims: JWTPayload): string | undefined {
    const claim = orDefault(this.#config.oidcEmailClaim === 'email' ? this.#config.userIdClaim : this.#config.oidcEmailClaim, 'email');
    const email = stringAt(claims, [claim]);
    if (email !== undefined) {
      if (claim === 'email' && claims.email_verified === false && !this.#config.insecureOidcAllowUnverifiedEmail) {
        throw new ProviderError('email_unverified', `the email address of ${claims.sub ?? 'the user'} is not verified by Azure`);
      }
      return email;
    }
    return stringAt(claims, ['upn']) ?? stringAt(claims, ['unique_name']);
  }

  /** Graph's `mail`, else the first of `otherMails`, else `userPrincipalName`, as oauth2-proxy reads them. */
  async #profileEmail(accessToken: string): Promise<string> {
    const body = await this.api.getJson(this.#profileUrl, bearer(accessToken));
    const email = stringAt(body, ['mail']) ?? stringsAt(body, ['otherMails'])[0] ?? stringAt(body, ['userPrincipalName']);
    if (!email) throw new ProviderError('missing_email', 'neither the Azure ID token nor the Microsoft Graph profile provided an email');
    return email;
  }

  async #graphGroups(accessToken: string): Promise<string[]> {
    const field = this.#settings.groupField;
    const origin = new URL(this.#graphMe).origin;
    const groups: string[] = [];
    let next: string | undefined = graphGroupsUrl(this.#graphMe, field);
    for (let page = 0; next; page++) {
      if (page >= MAX_GROUP_PAGES) throw new ProviderError('idp_error', `Microsoft Graph transitiveMemberOf has more than ${MAX_GROUP_PAGES} pages`, { fatal: false });
      const body = await this.api.getJson(next, bearer(accessToken, { ConsistencyLevel: 'eventual' }));
      const value = (body as { value?: unknown }).value;
      if (!Array.isArray(value)) throw new ProviderError('idp_error', 'Microsoft Graph transitiveMemberOf did not answer with a list', { fatal: false });
      for (const entry of value) {
        const name = stringAt(entry, [field]);
        if (name) groups.push(name);
      }
      next = stringAt(body, ['@odata.nextLink']);
      // The access token goes with every page, so the pages must stay on Graph.
      if (next && new URL(next).origin !== origin) {
        throw new ProviderError('idp_error', 'Microsoft Graph sent a next page on another host', { fatal: false });
      }
    }
    return groups;
  }
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** The advertised issuer, with `{tenantid}` standing for the token's own tenant. */
export function issuerMatches(expected: string, claims: JWTPayload): boolean {
  const iss = typeof claims.iss === 'string' ? claims.iss : '';
  if (!expected.includes(TENANT_PLACEHOLDER)) return trimSlash(iss) === trimSlash(expected);
  const tid = typeof claims.tid === 'string' && /^[A-Za-z0-9-]+$/.test(claims.tid) ? claims.tid : '';
  return tid !== '' && trimSlash(iss) === trimSlash(expected.split(TENANT_PLACEHOLDER).join(tid));
}

function groupsClaim(claims: JWTPayload, name: string): string[] {
  const v = claims[name];
  if (typeof v === 'string' && v !== '') return [v];
  return Array.isArray(v) ? v.filter((g): g is string => typeof g === 'string' && g !== '') : [];
}

export function createAzureProvider(c: ProviderConfig, base: Omit<OAuth2Options, 'kind' | 'displayName' | 'loginUrl' | 'redeemUrl' | 'scope'>): AzureProvider {
  const settings = azureSettings(c);
  const opts: OAuth2Options = {
    ...base,
    kind: 'azure',
    displayName: orDefault(c.providerDisplayName, 'Azure'),
    loginUrl: settings.loginUrl,
    redeemUrl: settings.redeemUrl,
    scope: settings.scope,
  };
  delete opts.resource;
  if (settings.resource !== undefined) {
    opts.resource = settings.resource;
    opts.extraAuthParams = { resource: settings.resource };
  }
  return new AzureProvider(c, opts, settings);
}
