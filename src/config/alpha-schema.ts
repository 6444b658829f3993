// How oauth2-proxy's alpha configuration keys relate to the legacy options, in one table used both
// ways: loading an alpha YAML file (alpha → option values) and --convert-config-to-alpha (option
// values → alpha). Only keys with a legacy equivalent are here; upstreams and headers, which are
// lists of structures, are handled by alpha.ts itself.

/** Provider keys (`providers[0]`), as dotted paths, and the option each one sets. */
export const PROVIDER_KEYS: ReadonlyArray<readonly [path: string, option: string]> = [
  ['provider', 'provider'],
  ['name', 'provider-display-name'],
  ['clientID', 'client-id'],
  ['clientSecret', 'client-secret'],
  ['clientSecretFile', 'client-secret-file'],
  ['caFiles', 'provider-ca-file'],
  ['useSystemTrustStore', 'use-system-trust-store'],
  ['loginURL', 'login-url'],
  ['redeemURL', 'redeem-url'],
  ['profileURL', 'profile-url'],
  ['skipClaimsFromProfileURL', 'skip-claims-from-profile-url'],
  ['validateURL', 'validate-url'],
  ['resource', 'resource'],
  ['scope', 'scope'],
  ['allowedGroups', 'allowed-group'],
  ['code_challenge_method', 'code-challenge-method'],
  ['authRequestResponseMode', 'auth-request-response-mode'],
  ['backendLogoutURL', 'backend-logout-url'],
  ['oidcConfig.issuerURL', 'oidc-issuer-url'],
  ['oidcConfig.insecureAllowUnverifiedEmail', 'insecure-oidc-allow-unverified-email'],
  ['oidcConfig.insecureSkipIssuerVerification', 'insecure-oidc-skip-issuer-verification'],
  ['oidcConfig.insecureSkipNonce', 'insecure-oidc-skip-nonce'],
  ['oidcConfig.skipDiscovery', 'skip-oidc-discovery'],
  ['oidcConfig.jwksURL', 'oidc-jwks-url'],
  ['oidcConfig.publicKeyFiles', 'oidc-public-key-file'],
  ['oidcConfig.emailClaim', 'oidc-email-claim'],
  ['oidcConfig.groupsClaim', 'oidc-groups-claim'],
  ['oidcConfig.userIDClaim', 'user-id-claim'],
  ['oidcConfig.audienceClaims', 'oidc-audience-claim'],
  ['oidcConfig.extraAudiences', 'oidc-extra-audience'],
  ['oidcConfig.enabledSigningAlgs', 'oidc-enabled-signing-alg'],
  ['keycloakConfig.groups', 'keycloak-group'],
  ['azureConfig.tenant', 'azure-tenant'],
  ['azureConfig.graphGroupField', 'azure-graph-group-field'],
  ['microsoftEntraIDConfig.allowedTenants', 'entra-id-allowed-tenant'],
  ['microsoftEntraIDConfig.federatedTokenAuth', 'entra-id-federated-token-auth'],
  ['bitbucketConfig.team', 'bitbucket-team'],
  ['bitbucketConfig.repository', 'bitbucket-repository'],
  ['githubConfig.org', 'github-org'],
  ['githubConfig.team', 'github-team'],
  ['githubConfig.repo', 'github-repo'],
  ['githubConfig.token', 'github-token'],
  ['githubConfig.users', 'github-user'],
  ['gitlabConfig.group', 'gitlab-group'],
  ['gitlabConfig.projects', 'gitlab-project'],
  ['googleConfig.group', 'google-group'],
  ['googleConfig.adminEmail', 'google-admin-email'],
  ['googleConfig.serviceAccountJson', 'google-service-account-json'],
  ['googleConfig.useApplicationDefaultCredentials', 'google-use-application-default-credentials'],
  ['googleConfig.targetPrincipal', 'google-target-principal'],
  ['googleConfig.useOrganizationID', 'google-use-organization-id'],
  ['googleConfig.adminAPIUserScope', 'google-admin-api-user-scope'],
];

/** Login URL parameters that are legacy options (fixed values, no overrides allowed). */
export const LOGIN_PARAMETERS: ReadonlyArray<readonly [name: string, option: string]> = [
  ['prompt', 'prompt'],
  ['approval_prompt', 'approval-prompt'],
  ['acr_values', 'acr-values'],
];

/** Settings every upstream carries in alpha form and legacy applies to all upstreams at once. */
export const UPSTREAM_SETTINGS: ReadonlyArray<readonly [key: string, option: string]> = [
  ['insecureSkipTLSVerify', 'ssl-upstream-insecure-skip-verify'],
  ['passHostHeader', 'pass-host-header'],
  ['proxyWebSockets', 'proxy-websockets'],
  ['flushInterval', 'flush-interval'],
  ['timeout', 'upstream-timeout'],
  ['disableKeepAlives', 'disable-keep-alives'],
];

/** Options whose job the alpha file takes over: refused next to --alpha-config, as in oauth2-proxy. */
export const REPLACED_BY_ALPHA: readonly string[] = [
  ...PROVIDER_KEYS.map(([, o]) => o),
  ...LOGIN_PARAMETERS.map(([, o]) => o),
  ...UPSTREAM_SETTINGS.map(([, o]) => o),
  // Further providers are entries of the alpha `providers` list.
  'extra-provider',
  'upstream', 'http-address', 'https-address', 'tls-cert-file', 'tls-key-file', 'tls-min-version', 'tls-cipher-suite',
  'metrics-address', 'metrics-secure-address', 'metrics-tls-cert-file', 'metrics-tls-key-file',
  'pass-basic-auth', 'pass-user-headers', 'pass-access-token', 'pass-authorization-header', 'set-xauthrequest',
  'set-basic-auth', 'set-authorization-header', 'prefer-email-to-user', 'basic-auth-password',
];
