// Checks run once all sources are merged. Every problem is collected rather than stopping at the
// first, so an operator fixes a deployment in one round trip; every message starts with the flag it
// is about, and none of them quotes a secret.

import { isIP } from 'node:net';

import { cookieSecretBytes } from '../session/secret.js';
import { signatureKeyProblem } from '../upstream/signature.js';
import { assertionKeyProblem, defaultAssertionIssuer } from '../upstream/assertion.js';
import { alphaExtrasOf } from './alpha.js';
import { cookieProblems } from './cookie-checks.js';
import { hostProblems } from './hosts.js';
import { defaultProviderIdOf, extraProviderProblems } from './extra-providers.js';
import { gatewayProblems } from '../rules/config-problems.js';
import { policyProblems } from './policy-file.js';
import { fileRootOf, staticStatusOf, upstreamRoutePath } from '../upstream/routes.js';
import { splitHostUpstream } from '../upstream/hosts.js';
import { redisOptionProblems, redisOptionsOf } from '../session/redis-options.js';
import { readPublicKeys } from '../providers/id-token.js';
import { readCaBundle } from '../providers/tls.js';
import { formatDuration } from './duration.js';
import { operationsProblems } from './ops-problems.js';
import { OPTIONS, fieldName, type OptionSpec } from './options.js';
import type { Config, OptionValue } from './types.js';
import { defaultValue, sameValue } from './values.js';

export const COOKIE_SECRET_HOWTO = "generate one with: openssl rand -base64 32 | tr -- '+/' '-_'";

/** Every --provider value oauth2-proxy accepts, all of them implemented. */
export const SUPPORTED_PROVIDERS: readonly string[] = [
  'oidc', 'keycloak-oidc', 'entra-id', 'azure', 'adfs', 'gitlab', 'cidaas', 'google', 'github', 'bitbucket',
  'keycloak', 'nextcloud', 'digitalocean', 'facebook', 'linkedin', 'login.gov', 'sourcehut',
];
/** Providers built on OpenID Connect discovery (or the endpoints that replace it). */
const OIDC_DISCOVERY_PROVIDERS: readonly string[] = ['oidc', 'keycloak-oidc', 'entra-id', 'adfs', 'gitlab', 'cidaas'];

export const REAL_CLIENT_IP_HEADERS: readonly string[] = [
  'X-Forwarded-For', 'X-Real-IP', 'X-ProxyUser-IP', 'X-Envoy-External-Address', 'CF-Connecting-IP',
];

const SAMESITE_VALUES = new Set(['', 'lax', 'strict', 'none']);
const CODE_CHALLENGE_METHODS = new Set(['', 'S256', 'plain']);
const JWS_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']);
// RFC 6265 cookie-name = token (RFC 2616 / 7230 tchar).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function valueOf(config: Config, spec: OptionSpec): OptionValue {
  return (config as unknown as Record<string, OptionValue>)[fieldName(spec)] as OptionValue;
}

/** Returns every problem found; an empty array means the configuration can be used. */
export function validate(config: Config): string[] {
  const errors: string[] = [];
  const fail = (flag: string, message: string): void => {
    errors.push(`--${flag}: ${message}`);
  };

  // ---- cookie ----
  if (config.cookieSecret === '') {
    fail('cookie-secret', `missing setting (or use --cookie-secret-file); ${COOKIE_SECRET_HOWTO}`);
  } else if (cookieSecretBytes(config.cookieSecret) === undefined) {
    const length = Buffer.byteLength(config.cookieSecret, 'utf8');
    fail('cookie-secret', `must be 16, 24 or 32 bytes, or the base64url encoding of that many bytes, to create an AES cipher (the value given is ${length} bytes); ${COOKIE_SECRET_HOWTO}`);
  }
  for (const [flag, problem] of cookieProblems(config)) fail(flag, problem);
  if (!SAMESITE_VALUES.has(config.cookieCsrfSamesite)) {
    fail('cookie-csrf-samesite', `${JSON.stringify(config.cookieCsrfSamesite)} is not one of lax, strict, none or empty`);
  }
  if (config.workers < 1 || config.workers > 64) fail('workers', `must be an integer from 1 to 64 (got ${config.workers})`);
  if (config.cookieCsrfPerRequestLimit < 0) fail('cookie-csrf-per-request-limit', `must not be negative (got ${config.cookieCsrfPerRequestLimit})`);

  // ---- provider ----
  if (config.clientId === '') fail('client-id', 'missing setting');
  // login.gov authenticates with a signed JWT instead of a secret.
  if (config.clientSecret === '' && config.provider !== 'login.gov') fail('client-secret', 'missing setting (or use --client-secret-file)');
  if (!SUPPORTED_PROVIDERS.includes(config.provider)) {
    fail('provider', `${JSON.stringify(config.provider)} is not a valid provider (valid: ${SUPPORTED_PROVIDERS.join(', ')})`);
  }
  if (!OIDC_DISCOVERY_PROVIDERS.includes(config.provider)) {
    // Providers with fixed endpoints (or, for the generic ones, hand-written URLs): see below.
  } else if (config.skipOidcDiscovery) {
    for (const [flag, value] of [['login-url', config.loginUrl], ['redeem-url', config.redeemUrl]] as const) {
      if (value === '') fail(flag, 'missing setting (required with --skip-oidc-discovery)');
    }
    if (config.oidcJwksUrl === '' && config.oidcPublicKeyFiles.length === 0) {
      fail('oidc-jwks-url', 'missing setting (required with --skip-oidc-discovery unless --oidc-public-key-file is given)');
    }
  } else if (config.oidcIssuerUrl === '') {
    fail('oidc-issuer-url', 'missing setting (or use --skip-oidc-discovery with --login-url, --redeem-url and --oidc-jwks-url)');
  }
  for (const [flag, value] of [
    ['oidc-issuer-url', config.oidcIssuerUrl],
    ['login-url', config.loginUrl],
    ['redeem-url', config.redeemUrl],
    ['oidc-jwks-url', config.oidcJwksUrl],
    ['profile-url', config.profileUrl],
    ['validate-url', config.validateUrl],
    ['pubjwk-url', config.pubjwkUrl],
  ] as const) {
    if (value !== '' && !isAbsoluteHttpUrl(value)) fail(flag, `${show(value)} is not an absolute http:// or https:// URL`);
  }
  if (config.redirectUrl !== '' && !isRelativePath(config.redirectUrl) && !isAbsoluteHttpUrl(config.redirectUrl)) {
    fail('redirect-url', `${show(config.redirectUrl)} must be empty, a path starting with /, or an absolute http:// or https:// URL`);
  }
  if (!CODE_CHALLENGE_METHODS.has(config.codeChallengeMethod)) {
    fail('code-challenge-method', `${JSON.stringify(config.codeChallengeMethod)} is not one of S256, plain or empty`);
  }
  if (!CODE_CHALLENGE_METHODS.has(config.forceCodeChallengeMethod)) {
    fail('force-code-challenge-method', `${JSON.stringify(config.forceCodeChallengeMethod)} is not one of S256, plain or empty`);
  }
  for (const file of config.providerCaFiles) {
    try {
      readCaBundle(file);
    } catch (err) {
      fail('provider-ca-file', (err as Error).message);
    }
  }
  try {
    readPublicKeys(config.oidcPublicKeyFiles);
  } catch (err) {
    fail('oidc-public-key-file', (err as Error).message);
  }
  for (const alg of config.oidcEnabledSigningAlgs) {
    if (!JWS_ALGORITHMS.has(alg)) fail('oidc-enabled-signing-alg', `${JSON.stringify(alg)} is not an asymmetric JWS algorithm (${[...JWS_ALGORITHMS].join(', ')})`);
  }

  // ---- provider-specific rules ----
  if (config.provider === 'nextcloud' || config.provider === 'keycloak') {
    // These have no public default endpoints: every URL comes from the configuration.
    for (const [flag, value] of [['login-url', config.loginUrl], ['redeem-url', config.redeemUrl]] as const) {
      if (value === '') fail(flag, `missing setting (required with --provider=${config.provider})`);
    }
    if (config.profileUrl === '' && config.validateUrl === '') fail('validate-url', `missing setting (or --profile-url; required with --provider=${config.provider})`);
  }
  if (config.provider === 'login.gov') {
    if (config.jwtKey === '' && config.jwtKeyFile === '') fail('jwt-key', 'missing setting (or use --jwt-key-file; login.gov signs its client assertion with it)');
    if (config.jwtKey !== '' && config.jwtKeyFile !== '') fail('jwt-key', 'set either --jwt-key or --jwt-key-file, not both');
    if (config.pubjwkUrl === '' && config.oidcJwksUrl === '') fail('pubjwk-url', 'missing setting (required with --provider=login.gov)');
    if (config.insecureOidcSkipNonce) fail('insecure-oidc-skip-nonce', 'login.gov requires a nonce; remove this setting');
  }
  if (config.googleGroups.length > 0 && config.provider === 'google') {
    if (config.googleServiceAccountJson === '') fail('google-service-account-json', 'missing setting (required with --google-group to read group memberships)');
    if (config.googleAdminEmail === '') fail('google-admin-email', 'missing setting (required with --google-group to read group memberships)');
  }
  if (config.provider === 'azure') {
    // ID tokens are verified against the issuer's keys, as oauth2-proxy does for azure.
    if (config.oidcIssuerUrl === '') fail('oidc-issuer-url', 'missing setting (required with --provider=azure, e.g. https://login.microsoftonline.com/<tenant>/v2.0)');
    if (config.skipOidcDiscovery && config.oidcJwksUrl === '') fail('oidc-jwks-url', 'missing setting (required with --provider=azure and --skip-oidc-discovery)');
    // The field name goes into a Graph $select.
    if (config.azureGraphGroupField !== '' && !/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(config.azureGraphGroupField)) {
      fail('azure-graph-group-field', `${JSON.stringify(config.azureGraphGroupField)} is not a Microsoft Graph property name (e.g. id or displayName)`);
    }
    if (config.azureTenant !== '' && !/^[A-Za-z0-9.-]+$/.test(config.azureTenant)) fail('azure-tenant', `${JSON.stringify(config.azureTenant)} is not a tenant id, domain, common, organizations or consumers`);
  }
  for (const entry of config.gitlabProjects) {
    if (!/^[^=]+(=(10|20|30|40))?$/.test(entry.trim())) fail('gitlab-project', `${JSON.stringify(entry)} must be group/project or group/project=ACCESS_LEVEL with 10, 20, 30 or 40`);
  }

  // ---- authorization ----
  if (config.emailDomains.length === 0 && config.authenticatedEmailsFile === '' && config.htpasswdFile === '') {
    fail('email-domain', 'missing setting for email validation: set --email-domain (--email-domain="*" lets any email address in) or --authenticated-emails-file');
  }

  // ---- upstreams ----
  const paths = new Map<string, string>();
  for (const given of config.upstreams) {
    // <host>=<url> binds an upstream to a host (config/hosts.ts); each host has its own paths.
    const bound = splitHostUpstream(given);
    if ('problem' in bound) {
      fail('upstream', bound.problem);
      continue;
    }
    const upstream = bound.uri;
    const problem = upstreamProblem(upstream);
    if (problem !== undefined) {
      fail('upstream', problem);
      continue;
    }
    const path = upstreamRoutePath(upstream) ?? '/';
    const key = `${bound.host ?? ''} ${path}`;
    const other = paths.get(key);
    if (other !== undefined) {
      fail('upstream', `${show(other)} and ${show(upstream)} both serve path ${JSON.stringify(path)}${bound.host === undefined ? '' : ` of host ${bound.host}`}; each path may have only one upstream`);
    } else {
      paths.set(key, upstream);
    }
  }
  for (const [flag, problem] of hostProblems(config)) fail(flag, problem);
  if (config.upstreamTimeout <= 0) fail('upstream-timeout', `must be greater than 0 (got ${formatDuration(config.upstreamTimeout)})`);
  if (config.flushInterval < 0) fail('flush-interval', `must not be negative (got ${formatDuration(config.flushInterval)})`);

  // ---- server / routing ----
  const listen = listenAddressProblem(config.httpAddress);
  if (listen !== undefined) fail('http-address', listen);
  if (!config.proxyPrefix.startsWith('/') || config.proxyPrefix.endsWith('/')) {
    fail('proxy-prefix', `${JSON.stringify(config.proxyPrefix)} must start with / and must not end with /`);
  }
  if (!config.pingPath.startsWith('/')) fail('ping-path', `${JSON.stringify(config.pingPath)} must start with /`);
  if (!config.readyPath.startsWith('/')) fail('ready-path', `${JSON.stringify(config.readyPath)} must start with /`);
  if (!REAL_CLIENT_IP_HEADERS.some((h) => h.toLowerCase() === config.realClientIpHeader.toLowerCase())) {
    fail('real-client-ip-header', `${JSON.stringify(config.realClientIpHeader)} is not one of ${REAL_CLIENT_IP_HEADERS.join(', ')}`);
  }
  for (const entry of config.trustedProxyIps) {
    if (!isIpOrCidr(entry)) fail('trusted-proxy-ip', `${JSON.stringify(entry)} is not an IP address or CIDR range`);
  }
  for (const entry of config.whitelistDomains) {
    if (entry.trim() === '') fail('whitelist-domain', 'entries must not be empty');
  }
  if (!TOKEN.test(config.requestIdHeader)) {
    fail('request-id-header', `${JSON.stringify(config.requestIdHeader)} is not a valid header name`);
  }

  // ---- session storage (cookie / redis), sign-out and logout extensions ----
  if (config.sessionStoreType === 'redis') {
    for (const [flag, problem] of redisOptionProblems(redisOptionsOf(config))) fail(flag, problem);
  } else if (config.sessionStoreType !== 'cookie') {
    fail('session-store-type', `${JSON.stringify(config.sessionStoreType)} is not a valid session store (valid: cookie, redis)`);
  } else {
    for (const [flag, on] of [['sign-out-all-sessions', config.signOutAllSessions], ['oidc-backchannel-logout', config.oidcBackchannelLogout]] as const) {
      if (on) fail(flag, 'needs --session-store-type=redis: the cookie store keeps no server-side sessions to end');
    }
  }
  if (config.sessionCookieMinimal) {
    // The session keeps no tokens, so nothing could refresh it or fill a token header.
    if (config.cookieRefresh > 0) fail('session-cookie-minimal', 'cannot be combined with --cookie-refresh > 0, which needs the refresh token in the session');
    for (const [flag, on] of [
      ['pass-access-token', config.passAccessToken],
      ['pass-authorization-header', config.passAuthorizationHeader],
      ['set-authorization-header', config.setAuthorizationHeader],
      // Back-channel logout finds sessions by the ID token's sid.
      ['oidc-backchannel-logout', config.oidcBackchannelLogout],
    ] as const) {
      if (on) fail('session-cookie-minimal', `cannot be combined with --${flag}, which needs tokens in the session`);
    }
    const alpha = alphaExtrasOf(config);
    for (const h of alpha ? [...alpha.requestHeaders, ...alpha.responseHeaders] : []) {
      for (const v of h.values) {
        if (v.kind === 'claim' && (v.claim === 'access_token' || v.claim === 'id_token' || v.claim === 'refresh_token')) {
          fail('session-cookie-minimal', `cannot be combined with the ${v.claim} claim of header ${JSON.stringify(h.name)}, which needs tokens in the session`);
        }
      }
    }
  }
  if (config.backendLogoutUrl !== '' && !isAbsoluteHttpUrl(config.backendLogoutUrl.replaceAll('{id_token}', 'x'))) {
    fail('backend-logout-url', `${show(config.backendLogoutUrl)} is not an absolute http:// or https:// URL`);
  }

  // ---- gateway modes: skip-auth routes, trusted IPs, API routes, bearer JWTs, htpasswd ----
  for (const [flag, problem] of gatewayProblems(config)) fail(flag, problem);
  for (const [flag, problem] of policyProblems(config)) fail(flag, problem);

  // ---- operations: log formats and file, HTTPS and metrics listeners, certificates ----
  for (const [flag, problem] of operationsProblems(config, (v) => hostPortProblem(v, { requireHost: false, allowPortZero: true }))) fail(flag, problem);

  // ---- extensions ----
  if (config.devOidcProvider !== '') {
    const problem = hostPortProblem(config.devOidcProvider, { requireHost: true, allowPortZero: false });
    if (problem !== undefined) fail('dev-oidc-provider', `${JSON.stringify(config.devOidcProvider)} ${problem}`);
  }

  if (config.identityAssertion) {
    if (config.identityAssertionKeyFile !== '') {
      const problem = assertionKeyProblem(config.identityAssertionKeyFile);
      if (problem !== undefined) fail('identity-assertion-key-file', problem);
    } else if (config.workers > 1) {
      // Each worker would generate its own key and serve it at jwks.json to whoever it answers.
      fail('identity-assertion-key-file', `missing setting (required with --identity-assertion and --workers=${config.workers}, so that every worker signs with the key the JWKS shows)`);
    }
    if (config.identityAssertionIssuer === '' && defaultAssertionIssuer(config.redirectUrl) === undefined) {
      fail('identity-assertion-issuer', 'missing setting (required with --identity-assertion unless --redirect-url is an absolute URL, whose origin is the default)');
    }
  }

  if (config.signatureKey !== '') {
    const problem = signatureKeyProblem(config.signatureKey);
    if (problem !== undefined) fail('signature-key', problem);
  }

  // ---- further providers (--extra-provider, alpha providers[1..]) ----
  errors.push(...extraProviderProblems(config, validate, defaultProviderIdOf(config)));

  // ---- options accepted for compatibility that oauth2-sidecar does not act on yet ----
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (spec.support === 'no' && !sameValue(valueOf(config, spec), defaultValue(spec))) {
      fail(spec.name, 'not supported by oauth2-sidecar yet');
    }
  }
  return errors;
}

/** Non-fatal remarks about a configuration that passed (or failed) validation. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.reverseProxy && config.trustedProxyIps.length === 0) {
    warnings.push('--reverse-proxy: no --trusted-proxy-ip given, so X-Forwarded-* headers are believed from any client; set --trusted-proxy-ip to the addresses of your proxies');
  }
  if (!config.skipAuthStripHeaders) {
    warnings.push('--skip-auth-strip-headers: false has no effect; oauth2-sidecar always removes client-sent identity headers');
  }
  if (config.devOidcProvider !== '') {
    warnings.push(`--dev-oidc-provider: a development OpenID Provider runs on ${config.devOidcProvider}; it is meant for local use only`);
  }
  if (config.sslInsecureSkipVerify) {
    warnings.push('--ssl-insecure-skip-verify: TLS certificates of the identity provider are not verified; anyone on the path can impersonate it');
  }
  if (config.insecureOidcSkipIssuerVerification) {
    warnings.push('--insecure-oidc-skip-issuer-verification: ID tokens are accepted whatever their issuer; use it only for multi-tenant identity providers');
  }
  if (config.forceCodeChallengeMethod !== '') {
    warnings.push(`--force-code-challenge-method: deprecated, use --code-challenge-method${config.codeChallengeMethod !== '' ? ' (which is set and takes precedence)' : ''}`);
  }
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (spec.support === 'ignored' && !sameValue(valueOf(config, spec), defaultValue(spec))) {
      warnings.push(`--${spec.name}: accepted, but has no effect in oauth2-sidecar yet`);
    }
  }
  return warnings;
}

// ---- shared checks ----

/** Values shown in messages have any user:password part masked. */
function show(value: string): string {
  return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1***@'));
}

function isAbsoluteHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && /^https?:\/\//i.test(value);
  } catch {
    return false;
  }
}

function isRelativePath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\');
}

function upstreamProblem(upstream: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(upstream)?.[1]?.toLowerCase();
  if (scheme === undefined) return `${show(upstream)} is not a valid upstream URL (expected http://host[:port][/path] or https://…)`;
  if (scheme === 'static') {
    return staticStatusOf(upstream) === undefined ? `${show(upstream)}: static:// takes a status code between 100 and 599, as static://200` : undefined;
  }
  if (scheme === 'file') {
    return fileRootOf(upstream) === undefined ? `${show(upstream)}: file:// takes an absolute directory, as file:///var/www#/mount/` : undefined;
  }
  if (scheme === 'unix') {
    return `${show(upstream)}: ${scheme}:// upstreams are not supported by oauth2-sidecar yet`;
  }
  if (scheme !== 'http' && scheme !== 'https') {
    return `${show(upstream)} has an invalid scheme "${scheme}://" (use http:// or https://)`;
  }
  if (!isAbsoluteHttpUrl(upstream)) return `${show(upstream)} is not a valid URL`;
  return undefined;
}

function listenAddressProblem(address: string): string | undefined {
  if (address.startsWith('unix://')) return `${JSON.stringify(address)}: unix sockets are not supported by oauth2-sidecar yet`;
  if (address.startsWith('fd:')) return `${JSON.stringify(address)}: listening on an inherited file descriptor is not supported by oauth2-sidecar yet`;
  let rest = address;
  if (/^http:\/\//i.test(rest)) rest = rest.slice('http://'.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) return `${JSON.stringify(address)}: only http:// (or no scheme) is allowed`;
  const problem = hostPortProblem(rest, { requireHost: false, allowPortZero: true });
  return problem === undefined ? undefined : `${JSON.stringify(address)} ${problem}`;
}

/** Why `value` is not host:port, phrased to follow the quoted value; undefined when it is fine. */
function hostPortProblem(value: string, opts: { requireHost: boolean; allowPortZero: boolean }): string | undefined {
  const expected = `expected host:port${opts.requireHost ? '' : ' or :port'} (IPv6 hosts in brackets)`;
  let host: string;
  let port: string;
  const v6 = /^\[([^\]]*)\]:([^:]*)$/.exec(value);
  if (v6 !== null) {
    host = v6[1] as string;
    port = v6[2] as string;
    if (isIP(host) !== 6) return `has an invalid IPv6 address; ${expected}`;
  } else {
    const plain = /^([^:[\]/]*):([^:]*)$/.exec(value);
    if (plain === null) return `is not a valid address; ${expected}`;
    host = plain[1] as string;
    port = plain[2] as string;
    if (host !== '' && !/^[A-Za-z0-9.-]+$/.test(host)) return `has an invalid host name; ${expected}`;
  }
  if (opts.requireHost && host === '') return `has no host; ${expected}`;
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535 || (!opts.allowPortZero && Number(port) === 0)) {
    return `has an invalid port; ${expected}`;
  }
  return undefined;
}

function isIpOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  if (slash === -1) return isIP(entry) !== 0;
  const address = entry.slice(0, slash);
  const bits = entry.slice(slash + 1);
  const family = isIP(address);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
