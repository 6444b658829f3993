// Picks the provider implementation named by the `provider` option.

import { adfsExtension, adfsScope } from './adfs.js';
import { createAzureProvider } from './azure.js';
import { createBitbucketProvider } from './bitbucket.js';
import { cidaasExtension } from './cidaas.js';
import { timeoutOf, type ProviderConfig } from './config.js';
import { entraIdExtension } from './entra-id.js';
import { createGitHubProvider } from './github.js';
import { gitlabExtension, gitlabScope } from './gitlab.js';
import { createGoogleProvider } from './google.js';
import { keycloakOidcExtension } from './keycloak-oidc.js';
import { loginGovExtension, loginGovOptions } from './login-gov.js';
import { createOidcProvider, type OidcExtension, type OidcProviderOptions } from './oidc.js';
import { createProfileProvider, PROFILE_PROVIDERS } from './profile.js';
import { ProviderError, type Provider } from './provider.js';
import { providerFetch, type Fetch } from './tls.js';

export type { AuthorizationRequest, Provider, RedeemRequest } from './provider.js';
export { ProviderError, isProviderError } from './provider.js';
export { createOidcProvider, isLoopbackHost, type OidcProviderOptions } from './oidc.js';
export type { ProviderConfig } from './config.js';

/** Every --provider value oauth2-sidecar implements: all of oauth2-proxy's. */
export const SUPPORTED_PROVIDERS: readonly string[] = [
  'oidc', 'keycloak-oidc', 'entra-id', 'azure', 'adfs', 'gitlab', 'cidaas', 'login.gov',
  'google', 'github', 'bitbucket', ...PROFILE_PROVIDERS,
];

function oidcOptions(c: ProviderConfig): OidcProviderOptions {
  const o: OidcProviderOptions = {
    oidcIssuerUrl: c.oidcIssuerUrl ?? '',
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    timeoutMs: timeoutOf(c),
    fetch: providerFetch(c),
  };
  if (c.providerId !== undefined) o.id = c.providerId;
  const method = pkceMethodOf(c);
  if (method) o.codeChallengeMethod = method;
  const copy = <K extends keyof OidcProviderOptions & keyof ProviderConfig>(k: K) => {
    const v = c[k];
    if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = Array.isArray(v) ? [...v] : v;
  };
  for (const k of [
    'providerDisplayName', 'scope', 'skipOidcDiscovery', 'loginUrl', 'redeemUrl', 'oidcJwksUrl', 'profileUrl',
    'oidcEmailClaim', 'oidcGroupsClaim', 'userIdClaim', 'insecureOidcSkipNonce',
    'insecureOidcAllowUnverifiedEmail', 'prompt', 'approvalPrompt', 'allowedGroups', 'acrValues',
    'authRequestResponseMode', 'skipClaimsFromProfileUrl', 'oidcEnabledSigningAlgs', 'oidcAudienceClaims',
    'oidcExtraAudiences', 'insecureOidcSkipIssuerVerification', 'oidcPublicKeyFiles',
  ] as const) copy(k);
  return o;
}

/** --force-code-challenge-method is the older name, honoured when --code-challenge-method is empty. */
function pkceMethodOf(c: ProviderConfig): string {
  return c.codeChallengeMethod || c.forceCodeChallengeMethod || '';
}

function oauth2Base(c: ProviderConfig) {
  const base = { clientId: c.clientId, clientSecret: c.clientSecret, timeoutMs: timeoutOf(c), fetch: providerFetch(c) } as {
    clientId: string; clientSecret: string; timeoutMs: number; fetch: Fetch | undefined; id?: string; prompt?: string; approvalPrompt?: string; acrValues?: string; codeChallengeMethod?: string; resource?: string;
  };
  if (c.providerId !== undefined) base.id = c.providerId;
  if (c.resource) base.resource = c.resource;
  if (c.prompt !== undefined) base.prompt = c.prompt;
  if (c.approvalPrompt !== undefined) base.approvalPrompt = c.approvalPrompt;
  if (c.acrValues) base.acrValues = c.acrValues;
  const method = pkceMethodOf(c);
  if (method) base.codeChallengeMethod = method;
  return base;
}

function oidcFamily(c: ProviderConfig, ext: OidcExtension, opts: Partial<OidcProviderOptions> = {}): Provider {
  return createOidcProvider({ ...oidcOptions(c), ...opts }, ext);
}

export function createProvider(c: ProviderConfig): Provider {
  switch (c.provider) {
    case 'oidc':
      return createOidcProvider(oidcOptions(c));
    case 'keycloak-oidc':
      return oidcFamily(c, keycloakOidcExtension(c));
    case 'entra-id':
      return oidcFamily(c, entraIdExtension(c));
    case 'adfs':
      return oidcFamily(c, adfsExtension(), { scope: adfsScope(c) });
    case 'gitlab':
      return oidcFamily(c, gitlabExtension(c), { scope: gitlabScope(c) });
    case 'cidaas':
      return oidcFamily(c, cidaasExtension(c));
    case 'login.gov':
      return createOidcProvider(loginGovOptions(c, oidcOptions(c)), loginGovExtension(c));
    case 'azure':
      return createAzureProvider(c, oauth2Base(c));
    case 'github':
      return createGitHubProvider(c, oauth2Base(c));
    case 'google':
      return createGoogleProvider(c, oauth2Base(c));
    case 'bitbucket':
      return createBitbucketProvider(c, oauth2Base(c));
    default:
      if (PROFILE_PROVIDERS.includes(c.provider)) return createProfileProvider(c.provider, c, oauth2Base(c));
      throw new ProviderError(
        'config',
        `provider "${c.provider}" is not supported (supported: ${SUPPORTED_PROVIDERS.join(', ')})`,
      );
  }
}
