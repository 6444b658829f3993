// The part of the proxy configuration that providers read. Field names are those of the option
// table (src/config/options.ts), so the frozen Config can be passed as it is.

export interface ProviderConfig {
  provider: string;
  providerDisplayName?: string;
  clientId: string;
  /** Empty for a public client, and for login.gov (private_key_jwt). */
  clientSecret: string;
  scope?: string;
  oidcIssuerUrl?: string;
  skipOidcDiscovery?: boolean;
  loginUrl?: string;
  redeemUrl?: string;
  profileUrl?: string;
  validateUrl?: string;
  oidcJwksUrl?: string;
  oidcEmailClaim?: string;
  oidcGroupsClaim?: string;
  userIdClaim?: string;
  codeChallengeMethod?: string;
  /** Deprecated alias of codeChallengeMethod, used when that one is empty. */
  forceCodeChallengeMethod?: string;
  authRequestResponseMode?: string;
  skipClaimsFromProfileUrl?: boolean;
  oidcEnabledSigningAlgs?: readonly string[];
  oidcAudienceClaims?: readonly string[];
  oidcExtraAudiences?: readonly string[];
  insecureOidcSkipIssuerVerification?: boolean;
  oidcPublicKeyFiles?: readonly string[];
  providerCaFiles?: readonly string[];
  useSystemTrustStore?: boolean;
  sslInsecureSkipVerify?: boolean;
  insecureOidcSkipNonce?: boolean;
  insecureOidcAllowUnverifiedEmail?: boolean;
  prompt?: string;
  approvalPrompt?: string;
  acrValues?: string;
  resource?: string;
  allowedGroups?: readonly string[];
  allowedRoles?: readonly string[];
  githubOrg?: string;
  githubTeam?: string;
  githubRepo?: string;
  githubToken?: string;
  githubUsers?: readonly string[];
  gitlabGroups?: readonly string[];
  gitlabProjects?: readonly string[];
  googleGroups?: readonly string[];
  googleAdminEmail?: string;
  googleServiceAccountJson?: string;
  bitbucketTeam?: string;
  bitbucketRepository?: string;
  keycloakGroups?: readonly string[];
  entraIdAllowedTenants?: readonly string[];
  azureTenant?: string;
  azureGraphGroupField?: string;
  jwtKey?: string;
  jwtKeyFile?: string;
  pubjwkUrl?: string;
  /**
   * The provider's id (`?provider=`, the session's providerId). Not an option: set for the providers
   * of --extra-provider and the alpha `providers` list; absent, the id is `<kind>=<client id>`.
   */
  providerId?: string;
  /** Per outbound request; default 30 s. */
  timeoutMs?: number;
  /**
   * Base URLs of APIs that oauth2-proxy does not let operators move (Google's Admin SDK, Microsoft
   * Graph for entra-id, GitLab's REST API). Not an option: tests point them at local fakes.
   */
  apiBaseUrls?: { googleAdmin?: string; microsoftGraph?: string; gitlabApi?: string };
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export function timeoutOf(c: { timeoutMs?: number }): number {
  return c.timeoutMs !== undefined && c.timeoutMs > 0 ? c.timeoutMs : DEFAULT_TIMEOUT_MS;
}
