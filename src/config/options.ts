// The option table: every flag oauth2-proxy v7.15.3 accepts (so existing command lines, environments
// and TOML files keep working), plus a few of our own. Parsing, validation, --help and docs/options.md
// are all derived from it, so adding an option here is the only change needed to expose it everywhere.

export type OptionType = 'string' | 'bool' | 'int' | 'duration' | 'list';

/**
 * yes: implemented. ignored: accepted but has no effect yet (a warning says so); only for options whose
 * absence cannot weaken security or change who gets in. no: any non-default value is a startup error,
 * because silently dropping it could expose something the operator meant to protect.
 */
export type Support = 'yes' | 'ignored' | 'no';

export type OptionGroup =
  | 'command-line'
  | 'server'
  | 'upstreams'
  | 'provider'
  | 'provider-specific'
  | 'cookie'
  | 'session'
  | 'authorization'
  | 'headers'
  | 'routing'
  | 'jwt'
  | 'basic-auth'
  | 'pages'
  | 'logging'
  | 'probes'
  | 'development';

/** Durations are kept in Go syntax here so help and docs show them the way operators write them. */
export type OptionDefault = string | boolean | number | readonly string[];

export interface OptionSpec {
  /** Command-line flag, without the leading dashes. */
  readonly name: string;
  /** TOML key; null for options that exist only on the command line. */
  readonly key: string | null;
  /** Environment variable; null for command-line-only options. */
  readonly env: string | null;
  readonly type: OptionType;
  readonly default: OptionDefault;
  readonly help: string;
  readonly group: OptionGroup;
  readonly support: Support;
  /** Never printed: not as a default, not in errors or warnings. */
  readonly secret?: true;
  /** Older TOML key still accepted (its environment variable too), as oauth2-proxy does. */
  readonly legacyKey?: string;
}

export const GROUP_TITLES: Readonly<Record<OptionGroup, string>> = {
  'command-line': 'Command line',
  server: 'Server',
  upstreams: 'Upstreams',
  provider: 'Provider (generic / OIDC)',
  'provider-specific': 'Provider-specific',
  cookie: 'Cookie and CSRF',
  session: 'Session storage',
  authorization: 'Authorization',
  headers: 'Identity headers',
  routing: 'Routing and proxy behaviour',
  jwt: 'JWT bearer tokens',
  'basic-auth': 'Basic auth (htpasswd)',
  pages: 'Pages and templates',
  logging: 'Logging',
  probes: 'Probes and miscellaneous',
  development: 'Development (oauth2-sidecar only)',
};

const STANDARD_LOG_FORMAT = '[{{.Timestamp}}] [{{.File}}] {{.Message}}';
const AUTH_LOG_FORMAT = '{{.Client}} - {{.RequestID}} - {{.Username}} [{{.Timestamp}}] [{{.Status}}] {{.Message}}';
const REQUEST_LOG_FORMAT =
  '{{.Client}} - {{.RequestID}} - {{.Username}} [{{.Timestamp}}] {{.Host}} {{.RequestMethod}} {{.Upstream}} ' +
  '{{.RequestURI}} {{.Protocol}} {{.UserAgent}} {{.StatusCode}} {{.ResponseSize}} {{.RequestDuration}}';

export const OPTIONS = [
  // ---- command line only ----
  { name: 'config', key: null, env: null, type: 'string', default: '', group: 'command-line', support: 'yes',
    help: 'Read options from this TOML file; flags and environment variables override its values.' },
  { name: 'alpha-config', key: null, env: null, type: 'string', default: '', group: 'command-line', support: 'yes',
    help: 'Read upstreams, headers, server and provider settings from an oauth2-proxy alpha YAML file; oauth2-sidecar also reads any other option there under its TOML key.' },
  { name: 'convert-config-to-alpha', key: null, env: null, type: 'bool', default: false, group: 'command-line', support: 'yes',
    help: 'Print the legacy options converted to alpha YAML, then exit.' },
  { name: 'config-test', key: null, env: null, type: 'bool', default: false, group: 'command-line', support: 'yes',
    help: 'Load and validate the configuration, report any problem, and exit (0 when valid, 1 otherwise).' },
  { name: 'version', key: null, env: null, type: 'bool', default: false, group: 'command-line', support: 'yes',
    help: 'Print the version and exit.' },
  { name: 'help', key: null, env: null, type: 'bool', default: false, group: 'command-line', support: 'yes',
    help: 'Print this list of options and exit.' },

  // ---- server ----
  { name: 'http-address', key: 'http_address', env: 'OAUTH2_PROXY_HTTP_ADDRESS', type: 'string', default: '127.0.0.1:4180', group: 'server', support: 'yes',
    help: 'Where to listen for plain HTTP, as [http://]host:port (IPv6 hosts in brackets). Use 0.0.0.0:4180 to accept connections from other hosts.' },
  { name: 'https-address', key: 'https_address', env: 'OAUTH2_PROXY_HTTPS_ADDRESS', type: 'string', default: ':443', group: 'server', support: 'yes',
    help: 'Where to listen for HTTPS, as [https://]host:port; only used together with a TLS certificate and key.' },
  { name: 'tls-cert-file', key: 'tls_cert_file', env: 'OAUTH2_PROXY_TLS_CERT_FILE', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'PEM certificate (chain) served by the HTTPS listener.' },
  { name: 'tls-key-file', key: 'tls_key_file', env: 'OAUTH2_PROXY_TLS_KEY_FILE', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'PEM private key matching the TLS certificate.' },
  { name: 'tls-min-version', key: 'tls_min_version', env: 'OAUTH2_PROXY_TLS_MIN_VERSION', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'Oldest TLS version the HTTPS listener accepts: TLS1.2 or TLS1.3.' },
  { name: 'tls-cipher-suite', key: 'tls_cipher_suites', env: 'OAUTH2_PROXY_TLS_CIPHER_SUITES', type: 'list', default: [], group: 'server', support: 'yes',
    help: 'Cipher suites allowed on the HTTPS listener; empty keeps the runtime defaults.' },
  { name: 'metrics-address', key: 'metrics_address', env: 'OAUTH2_PROXY_METRICS_ADDRESS', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'Separate plain-HTTP listener serving Prometheus metrics; empty disables metrics.' },
  { name: 'metrics-secure-address', key: 'metrics_secure_address', env: 'OAUTH2_PROXY_METRICS_SECURE_ADDRESS', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'Separate HTTPS listener serving Prometheus metrics.' },
  { name: 'metrics-tls-cert-file', key: 'metrics_tls_cert_file', env: 'OAUTH2_PROXY_METRICS_TLS_CERT_FILE', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'PEM certificate for the HTTPS metrics listener.' },
  { name: 'metrics-tls-key-file', key: 'metrics_tls_key_file', env: 'OAUTH2_PROXY_METRICS_TLS_KEY_FILE', type: 'string', default: '', group: 'server', support: 'yes',
    help: 'PEM private key for the HTTPS metrics listener.' },
  { name: 'proxy-prefix', key: 'proxy_prefix', env: 'OAUTH2_PROXY_PROXY_PREFIX', type: 'string', default: '/oauth2', group: 'server', support: 'yes',
    help: 'Path under which the built-in endpoints live (sign_in, start, callback, sign_out, auth, userinfo). Must start with / and not end with /.' },
  { name: 'force-https', key: 'force_https', env: 'OAUTH2_PROXY_FORCE_HTTPS', type: 'bool', default: false, group: 'server', support: 'yes',
    help: 'Answer plain-HTTP requests with a permanent redirect to HTTPS.' },
  { name: 'allow-query-semicolons', key: 'allow_query_semicolons', env: 'OAUTH2_PROXY_ALLOW_QUERY_SEMICOLONS', type: 'bool', default: false, group: 'server', support: 'yes',
    help: 'Treat ";" as a query-string separator in addition to "&".' },

  // ---- upstreams ----
  { name: 'upstream', key: 'upstreams', env: 'OAUTH2_PROXY_UPSTREAMS', type: 'list', default: [], group: 'upstreams', support: 'yes',
    help: 'Backend to forward authenticated requests to, as http(s)://host[:port][/path]. The path selects which requests go there: ending in / matches the prefix, otherwise only that exact path; none means /. Also static://CODE (answers CODE with "Authenticated", at /) and file:///dir#/mount/ (serves a directory). Repeat the flag or separate with commas. oauth2-sidecar only: <host>=<upstream> (e.g. app1.example.com=http://127.0.0.1:8081/, or *.apps.example.com=… for subdomains) serves that host from this upstream; hosts no value names use the plain ones.' },
  { name: 'flush-interval', key: 'flush_interval', env: 'OAUTH2_PROXY_FLUSH_INTERVAL', type: 'duration', default: '1s', group: 'upstreams', support: 'yes',
    help: 'How often buffered response data is pushed to the client while an upstream streams its answer.' },
  { name: 'pass-host-header', key: 'pass_host_header', env: 'OAUTH2_PROXY_PASS_HOST_HEADER', type: 'bool', default: true, group: 'upstreams', support: 'yes',
    help: 'Send the Host header the client used; when false the upstream sees its own host name.' },
  { name: 'proxy-websockets', key: 'proxy_websockets', env: 'OAUTH2_PROXY_PROXY_WEBSOCKETS', type: 'bool', default: true, group: 'upstreams', support: 'yes',
    help: 'Forward WebSocket upgrade requests to the upstream.' },
  { name: 'ssl-upstream-insecure-skip-verify', key: 'ssl_upstream_insecure_skip_verify', env: 'OAUTH2_PROXY_SSL_UPSTREAM_INSECURE_SKIP_VERIFY', type: 'bool', default: false, group: 'upstreams', support: 'yes',
    help: 'Accept any TLS certificate from https:// upstreams. Only for testing.' },
  { name: 'upstream-timeout', key: 'upstream_timeout', env: 'OAUTH2_PROXY_UPSTREAM_TIMEOUT', type: 'duration', default: '30s', group: 'upstreams', support: 'yes',
    help: 'Longest time to wait for an upstream to start answering before giving up with 504.' },
  { name: 'disable-keep-alives', key: 'disable_keep_alives', env: 'OAUTH2_PROXY_DISABLE_KEEP_ALIVES', type: 'bool', default: false, group: 'upstreams', support: 'yes',
    help: 'Open a new connection to the upstream for every request.' },

  // ---- provider: generic / OIDC ----
  { name: 'provider', key: 'provider', env: 'OAUTH2_PROXY_PROVIDER', type: 'string', default: 'google', group: 'provider', support: 'yes',
    help: 'Kind of identity provider: oidc, keycloak-oidc, entra-id, adfs, gitlab, cidaas, google, github, bitbucket, keycloak, nextcloud, digitalocean, facebook, linkedin, login.gov, sourcehut or azure (oauth2-proxy\'s deprecated Azure provider; prefer entra-id).' },
  { name: 'provider-display-name', key: 'provider_display_name', env: 'OAUTH2_PROXY_PROVIDER_DISPLAY_NAME', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Provider name shown on the sign-in button.' },
  { name: 'client-id', key: 'client_id', env: 'OAUTH2_PROXY_CLIENT_ID', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Client id registered for this proxy at the identity provider.' },
  { name: 'client-secret', key: 'client_secret', env: 'OAUTH2_PROXY_CLIENT_SECRET', type: 'string', default: '', group: 'provider', support: 'yes', secret: true,
    help: 'Client secret registered for this proxy at the identity provider.' },
  { name: 'client-secret-file', key: 'client_secret_file', env: 'OAUTH2_PROXY_CLIENT_SECRET_FILE', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'File holding the client secret; read when --client-secret is empty (a trailing newline is dropped).' },
  { name: 'provider-ca-file', key: 'provider_ca_files', env: 'OAUTH2_PROXY_PROVIDER_CA_FILES', type: 'list', default: [], group: 'provider', support: 'yes',
    help: 'PEM CA bundles trusted for TLS connections to the identity provider.' },
  { name: 'use-system-trust-store', key: 'use_system_trust_store', env: 'OAUTH2_PROXY_USE_SYSTEM_TRUST_STORE', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'With --provider-ca-file, keep trusting the system CA roots as well.' },
  { name: 'ssl-insecure-skip-verify', key: 'ssl_insecure_skip_verify', env: 'OAUTH2_PROXY_SSL_INSECURE_SKIP_VERIFY', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Accept any TLS certificate from the identity provider.' },
  { name: 'oidc-issuer-url', key: 'oidc_issuer_url', env: 'OAUTH2_PROXY_OIDC_ISSUER_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Issuer URL of the OpenID Provider; its endpoints are discovered from <issuer>/.well-known/openid-configuration at startup.' },
  { name: 'skip-oidc-discovery', key: 'skip_oidc_discovery', env: 'OAUTH2_PROXY_SKIP_OIDC_DISCOVERY', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Do not fetch the discovery document; --login-url, --redeem-url and --oidc-jwks-url must then be given.' },
  { name: 'oidc-jwks-url', key: 'oidc_jwks_url', env: 'OAUTH2_PROXY_OIDC_JWKS_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'URL of the key set used to check ID token signatures (required with --skip-oidc-discovery).' },
  { name: 'oidc-public-key-file', key: 'oidc_public_key_files', env: 'OAUTH2_PROXY_OIDC_PUBLIC_KEY_FILES', type: 'list', default: [], group: 'provider', support: 'yes',
    help: 'PEM public keys used to check ID token signatures instead of a JWKS URL.' },
  { name: 'oidc-enabled-signing-alg', key: 'oidc_enabled_signing_algs', env: 'OAUTH2_PROXY_OIDC_ENABLED_SIGNING_ALGS', type: 'list', default: [], group: 'provider', support: 'yes',
    help: 'Signature algorithms accepted on ID tokens.' },
  { name: 'oidc-email-claim', key: 'oidc_email_claim', env: 'OAUTH2_PROXY_OIDC_EMAIL_CLAIM', type: 'string', default: 'email', group: 'provider', support: 'yes',
    help: 'ID token claim taken as the user\'s email address.' },
  { name: 'oidc-groups-claim', key: 'oidc_groups_claim', env: 'OAUTH2_PROXY_OIDC_GROUPS_CLAIM', type: 'string', default: 'groups', group: 'provider', support: 'yes',
    help: 'ID token claim taken as the user\'s group list.' },
  { name: 'oidc-audience-claim', key: 'oidc_audience_claims', env: 'OAUTH2_PROXY_OIDC_AUDIENCE_CLAIMS', type: 'list', default: ['aud'], group: 'provider', support: 'yes',
    help: 'ID token claims compared with the client id when checking the audience.' },
  { name: 'oidc-extra-audience', key: 'oidc_extra_audiences', env: 'OAUTH2_PROXY_OIDC_EXTRA_AUDIENCES', type: 'list', default: [], group: 'provider', support: 'yes',
    help: 'Audiences accepted in ID tokens besides the client id.' },
  { name: 'user-id-claim', key: 'user_id_claim', env: 'OAUTH2_PROXY_USER_ID_CLAIM', type: 'string', default: 'email', group: 'provider', support: 'yes',
    help: 'Older name for --oidc-email-claim, kept for existing configurations.' },
  { name: 'insecure-oidc-allow-unverified-email', key: 'insecure_oidc_allow_unverified_email', env: 'OAUTH2_PROXY_INSECURE_OIDC_ALLOW_UNVERIFIED_EMAIL', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Let users in even when the provider says their email address is not verified.' },
  { name: 'insecure-oidc-skip-issuer-verification', key: 'insecure_oidc_skip_issuer_verification', env: 'OAUTH2_PROXY_INSECURE_OIDC_SKIP_ISSUER_VERIFICATION', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Accept ID tokens whose issuer differs from the configured one (multi-tenant providers).' },
  // oauth2-proxy defaults this to true, i.e. no nonce at all; the nonce is what ties an ID token to the
  // login that asked for it, so it is on here unless an operator explicitly opts out.
  { name: 'insecure-oidc-skip-nonce', key: 'insecure_oidc_skip_nonce', env: 'OAUTH2_PROXY_INSECURE_OIDC_SKIP_NONCE', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Do not send an OIDC nonce with the login request nor check it in the ID token. oauth2-sidecar uses the nonce by default (oauth2-proxy does not).' },
  { name: 'login-url', key: 'login_url', env: 'OAUTH2_PROXY_LOGIN_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Authorization endpoint, overriding the discovered one.' },
  { name: 'redeem-url', key: 'redeem_url', env: 'OAUTH2_PROXY_REDEEM_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Token endpoint, overriding the discovered one.' },
  { name: 'profile-url', key: 'profile_url', env: 'OAUTH2_PROXY_PROFILE_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'UserInfo endpoint, asked for claims the ID token lacks.' },
  { name: 'skip-claims-from-profile-url', key: 'skip_claims_from_profile_url', env: 'OAUTH2_PROXY_SKIP_CLAIMS_FROM_PROFILE_URL', type: 'bool', default: false, group: 'provider', support: 'yes',
    help: 'Never ask the UserInfo endpoint for missing claims.' },
  { name: 'validate-url', key: 'validate_url', env: 'OAUTH2_PROXY_VALIDATE_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Provider API URL: GitHub\'s API base (https://github.example.com/api/v3 for GitHub Enterprise), Bitbucket\'s emails API, or the profile API of nextcloud and keycloak when --profile-url is empty.' },
  { name: 'resource', key: 'resource', env: 'OAUTH2_PROXY_RESOURCE', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'adfs: resource URL put in front of the scopes; azure (v1 endpoints) and OAuth2 providers (github, bitbucket, …) send it as the resource parameter.' },
  { name: 'scope', key: 'scope', env: 'OAUTH2_PROXY_SCOPE', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Space-separated scopes to request; empty uses the provider\'s usual set (openid email profile for OIDC).' },
  { name: 'prompt', key: 'prompt', env: 'OAUTH2_PROXY_PROMPT', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'OIDC prompt parameter for the login request (none, login, consent, select_account); takes precedence over --approval-prompt.' },
  { name: 'approval-prompt', key: 'approval_prompt', env: 'OAUTH2_PROXY_APPROVAL_PROMPT', type: 'string', default: 'force', group: 'provider', support: 'yes',
    help: 'Legacy approval_prompt parameter, sent only when --prompt is empty.' },
  { name: 'acr-values', key: 'acr_values', env: 'OAUTH2_PROXY_ACR_VALUES', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'OIDC acr_values parameter for the login request.' },
  { name: 'auth-request-response-mode', key: 'auth_request_response_mode', env: 'OAUTH2_PROXY_AUTH_REQUEST_RESPONSE_MODE', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'response_mode parameter for the login request (for example form_post).' },
  { name: 'code-challenge-method', key: 'code_challenge_method', env: 'OAUTH2_PROXY_CODE_CHALLENGE_METHOD', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Use PKCE with this method: S256 (recommended) or plain; empty disables PKCE.' },
  { name: 'force-code-challenge-method', key: 'force_code_challenge_method', env: 'OAUTH2_PROXY_FORCE_CODE_CHALLENGE_METHOD', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'Older name for --code-challenge-method.' },
  { name: 'backend-logout-url', key: 'backend_logout_url', env: 'OAUTH2_PROXY_BACKEND_LOGOUT_URL', type: 'string', default: '', group: 'provider', support: 'yes',
    help: 'URL called on sign-out to end the provider session; {id_token} is replaced by the user\'s ID token.' },
  { name: 'extra-provider', key: 'extra_providers', env: 'OAUTH2_PROXY_EXTRA_PROVIDERS', type: 'list', default: [], group: 'provider', support: 'yes', secret: true,
    help: 'oauth2-sidecar only. A further identity provider, offered next to the main one on the sign-in page (repeatable): key=value items separated by commas, beginning with id=<id> (letters, digits, . _ -), the keys being the provider flag names (id=corp,provider=oidc,oidc-issuer-url=https://idp.example,client-id=app,client-secret-file=/secrets/corp,provider-display-name=Corp; a list flag such as allowed-group may repeat its key; values cannot contain commas). Provider settings are not taken from the main provider except --provider-ca-file, --use-system-trust-store and --ssl-insecure-skip-verify; its allowed-group applies to its own sessions. /oauth2/start?provider=<id> signs in with it.' },

  // ---- provider-specific ----
  { name: 'azure-tenant', key: 'azure_tenant', env: 'OAUTH2_PROXY_AZURE_TENANT', type: 'string', default: 'common', group: 'provider-specific', support: 'yes',
    help: 'azure: directory (tenant) id, or common.' },
  { name: 'azure-graph-group-field', key: 'azure_graph_group_field', env: 'OAUTH2_PROXY_AZURE_GRAPH_GROUP_FIELD', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'azure: Microsoft Graph field used as the group name (id or displayName).' },
  { name: 'entra-id-allowed-tenant', key: 'entra_id_allowed_tenants', env: 'OAUTH2_PROXY_ENTRA_ID_ALLOWED_TENANTS', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'entra-id: tenants whose users may sign in to a multi-tenant app; empty allows all.' },
  { name: 'entra-id-federated-token-auth', key: 'entra_id_federated_token_auth', env: 'OAUTH2_PROXY_ENTRA_ID_FEDERATED_TOKEN_AUTH', type: 'bool', default: false, group: 'provider-specific', support: 'no',
    help: 'entra-id: authenticate the client with a workload identity token instead of a secret.' },
  { name: 'bitbucket-team', key: 'bitbucket_team', env: 'OAUTH2_PROXY_BITBUCKET_TEAM', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'bitbucket: team the user must belong to.' },
  { name: 'bitbucket-repository', key: 'bitbucket_repository', env: 'OAUTH2_PROXY_BITBUCKET_REPOSITORY', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'bitbucket: repository the user must have access to.' },
  { name: 'github-org', key: 'github_org', env: 'OAUTH2_PROXY_GITHUB_ORG', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'github: organisation the user must belong to.' },
  { name: 'github-team', key: 'github_team', env: 'OAUTH2_PROXY_GITHUB_TEAM', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'github: comma-separated team slugs, one of which the user must belong to.' },
  { name: 'github-repo', key: 'github_repo', env: 'OAUTH2_PROXY_GITHUB_REPO', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'github: owner/repo the user must be a collaborator of.' },
  { name: 'github-token', key: 'github_token', env: 'OAUTH2_PROXY_GITHUB_TOKEN', type: 'string', default: '', group: 'provider-specific', support: 'yes', secret: true,
    help: 'github: token used to look up collaborators of --github-repo.' },
  { name: 'github-user', key: 'github_users', env: 'OAUTH2_PROXY_GITHUB_USERS', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'github: user names let in regardless of organisation, team or repository.' },
  { name: 'gitlab-group', key: 'gitlab_groups', env: 'OAUTH2_PROXY_GITLAB_GROUPS', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'gitlab: groups, one of which the user must belong to.' },
  { name: 'gitlab-project', key: 'gitlab_projects', env: 'OAUTH2_PROXY_GITLAB_PROJECTS', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'gitlab: projects as group/project[=access level], one of which the user must reach.' },
  { name: 'google-group', key: 'google_groups', env: 'OAUTH2_PROXY_GOOGLE_GROUPS', type: 'list', default: [], group: 'provider-specific', support: 'yes', legacyKey: 'google_group',
    help: 'google: Workspace groups, one of which the user must belong to.' },
  { name: 'google-admin-email', key: 'google_admin_email', env: 'OAUTH2_PROXY_GOOGLE_ADMIN_EMAIL', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'google: administrator impersonated to read group memberships.' },
  { name: 'google-service-account-json', key: 'google_service_account_json', env: 'OAUTH2_PROXY_GOOGLE_SERVICE_ACCOUNT_JSON', type: 'string', default: '', group: 'provider-specific', support: 'yes', secret: true,
    help: 'google: service account key (JSON) used to read group memberships.' },
  { name: 'google-use-application-default-credentials', key: 'google_use_application_default_credentials', env: 'OAUTH2_PROXY_GOOGLE_USE_APPLICATION_DEFAULT_CREDENTIALS', type: 'string', default: '', group: 'provider-specific', support: 'no',
    help: 'google: use the runtime\'s default credentials instead of a service account key (true/false).' },
  { name: 'google-target-principal', key: 'google_target_principal', env: 'OAUTH2_PROXY_GOOGLE_TARGET_PRINCIPAL', type: 'string', default: '', group: 'provider-specific', support: 'no',
    help: 'google: service account impersonated when using default credentials.' },
  { name: 'google-use-organization-id', key: 'google_use_organization_id', env: 'OAUTH2_PROXY_GOOGLE_USE_ORGANIZATION_ID', type: 'string', default: '', group: 'provider-specific', support: 'no',
    help: 'google: take the preferred user name from the directory\'s organisation data (true/false).' },
  { name: 'google-admin-api-user-scope', key: 'google_admin_api_user_scope', env: 'OAUTH2_PROXY_GOOGLE_ADMIN_API_USER_SCOPE', type: 'string', default: '', group: 'provider-specific', support: 'no',
    help: 'google: scope used when reading users from the Admin API.' },
  { name: 'keycloak-group', key: 'keycloak_groups', env: 'OAUTH2_PROXY_KEYCLOAK_GROUPS', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'keycloak (legacy provider): groups, one of which the user must belong to.' },
  { name: 'allowed-role', key: 'allowed_roles', env: 'OAUTH2_PROXY_ALLOWED_ROLES', type: 'list', default: [], group: 'provider-specific', support: 'yes',
    help: 'keycloak-oidc: realm roles or client:role pairs, one of which the user must hold.' },
  { name: 'jwt-key', key: 'jwt_key', env: 'OAUTH2_PROXY_JWT_KEY', type: 'string', default: '', group: 'provider-specific', support: 'yes', secret: true,
    help: 'login.gov: PEM private key used to authenticate the client.' },
  { name: 'jwt-key-file', key: 'jwt_key_file', env: 'OAUTH2_PROXY_JWT_KEY_FILE', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'login.gov: file holding that private key.' },
  { name: 'pubjwk-url', key: 'pubjwk_url', env: 'OAUTH2_PROXY_PUBJWK_URL', type: 'string', default: '', group: 'provider-specific', support: 'yes',
    help: 'login.gov: URL of the provider\'s public keys.' },

  // ---- cookie / CSRF ----
  { name: 'cookie-name', key: 'cookie_name', env: 'OAUTH2_PROXY_COOKIE_NAME', type: 'string', default: '_oauth2_proxy', group: 'cookie', support: 'yes',
    help: 'Name of the session cookie; the CSRF cookie is named after it.' },
  { name: 'cookie-secret', key: 'cookie_secret', env: 'OAUTH2_PROXY_COOKIE_SECRET', type: 'string', default: '', group: 'cookie', support: 'yes', secret: true,
    help: 'Key material for signing and encrypting cookies: 16, 24 or 32 bytes, or their base64url encoding. Generate one with: openssl rand -base64 32 | tr -- \'+/\' \'-_\'' },
  { name: 'cookie-secret-file', key: 'cookie_secret_file', env: 'OAUTH2_PROXY_COOKIE_SECRET_FILE', type: 'string', default: '', group: 'cookie', support: 'yes',
    help: 'File holding the cookie secret; read when --cookie-secret is empty (a trailing newline is dropped).' },
  { name: 'cookie-domain', key: 'cookie_domains', env: 'OAUTH2_PROXY_COOKIE_DOMAINS', type: 'list', default: [], group: 'cookie', support: 'yes',
    help: 'Domain attribute candidates for cookies; the longest one the request host ends with is used. Empty means host-only cookies.' },
  { name: 'cookie-path', key: 'cookie_path', env: 'OAUTH2_PROXY_COOKIE_PATH', type: 'string', default: '/', group: 'cookie', support: 'yes',
    help: 'Path attribute for cookies.' },
  { name: 'cookie-expire', key: 'cookie_expire', env: 'OAUTH2_PROXY_COOKIE_EXPIRE', type: 'duration', default: '168h', group: 'cookie', support: 'yes',
    help: 'Lifetime of the session cookie; 0 makes it a browser-session cookie with no age limit.' },
  { name: 'cookie-refresh', key: 'cookie_refresh', env: 'OAUTH2_PROXY_COOKIE_REFRESH', type: 'duration', default: '0', group: 'cookie', support: 'yes',
    help: 'Session age after which tokens are refreshed with the provider; 0 never refreshes. Must be shorter than --cookie-expire.' },
  { name: 'cookie-secure', key: 'cookie_secure', env: 'OAUTH2_PROXY_COOKIE_SECURE', type: 'bool', default: true, group: 'cookie', support: 'yes',
    help: 'Mark cookies Secure so browsers send them over HTTPS only; set false for plain-HTTP development.' },
  { name: 'cookie-httponly', key: 'cookie_httponly', env: 'OAUTH2_PROXY_COOKIE_HTTPONLY', type: 'bool', default: true, group: 'cookie', support: 'yes',
    help: 'Mark cookies HttpOnly so page scripts cannot read them.' },
  { name: 'cookie-samesite', key: 'cookie_samesite', env: 'OAUTH2_PROXY_COOKIE_SAMESITE', type: 'string', default: '', group: 'cookie', support: 'yes',
    help: 'SameSite attribute for cookies: lax, strict or none; empty leaves it out.' },
  { name: 'cookie-csrf-per-request', key: 'cookie_csrf_per_request', env: 'OAUTH2_PROXY_COOKIE_CSRF_PER_REQUEST', type: 'bool', default: false, group: 'cookie', support: 'yes',
    help: 'Use a separate CSRF cookie for every login attempt, so logins started in several tabs do not collide.' },
  { name: 'cookie-csrf-per-request-limit', key: 'cookie_csrf_per_request_limit', env: 'OAUTH2_PROXY_COOKIE_CSRF_PER_REQUEST_LIMIT', type: 'int', default: 0, group: 'cookie', support: 'yes',
    help: 'Most per-request CSRF cookies kept at once, oldest dropped first; 0 means no limit.' },
  { name: 'cookie-csrf-expire', key: 'cookie_csrf_expire', env: 'OAUTH2_PROXY_COOKIE_CSRF_EXPIRE', type: 'duration', default: '15m', group: 'cookie', support: 'yes',
    help: 'How long a started login stays valid (lifetime of the CSRF cookie).' },
  { name: 'cookie-csrf-samesite', key: 'cookie_csrf_samesite', env: 'OAUTH2_PROXY_COOKIE_CSRF_SAMESITE', type: 'string', default: '', group: 'cookie', support: 'yes',
    help: 'SameSite attribute for the CSRF cookie; empty uses --cookie-samesite.' },

  // ---- session storage ----
  { name: 'session-store-type', key: 'session_store_type', env: 'OAUTH2_PROXY_SESSION_STORE_TYPE', type: 'string', default: 'cookie', group: 'session', support: 'yes',
    help: 'Where sessions live: cookie (encrypted in the browser) or redis (the browser keeps only a signed ticket; needs --redis-connection-url, --redis-use-sentinel or --redis-use-cluster).' },
  { name: 'session-cookie-minimal', key: 'session_cookie_minimal', env: 'OAUTH2_PROXY_SESSION_COOKIE_MINIMAL', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'Leave tokens out of the session cookie to keep it small.' },
  { name: 'redis-connection-url', key: 'redis_connection_url', env: 'OAUTH2_PROXY_REDIS_CONNECTION_URL', type: 'string', default: '', group: 'session', support: 'yes', secret: true,
    help: 'Redis server URL, redis[s]://[user:password@]host:port[/db].' },
  { name: 'redis-username', key: 'redis_username', env: 'OAUTH2_PROXY_REDIS_USERNAME', type: 'string', default: '', group: 'session', support: 'yes',
    help: 'Redis user name (overrides the one in the URL).' },
  { name: 'redis-password', key: 'redis_password', env: 'OAUTH2_PROXY_REDIS_PASSWORD', type: 'string', default: '', group: 'session', support: 'yes', secret: true,
    help: 'Redis password (overrides the one in the URL).' },
  { name: 'redis-use-sentinel', key: 'redis_use_sentinel', env: 'OAUTH2_PROXY_REDIS_USE_SENTINEL', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'Find the Redis primary through Sentinel.' },
  { name: 'redis-sentinel-master-name', key: 'redis_sentinel_master_name', env: 'OAUTH2_PROXY_REDIS_SENTINEL_MASTER_NAME', type: 'string', default: '', group: 'session', support: 'yes',
    help: 'Name of the primary that Sentinel watches.' },
  { name: 'redis-sentinel-connection-urls', key: 'redis_sentinel_connection_urls', env: 'OAUTH2_PROXY_REDIS_SENTINEL_CONNECTION_URLS', type: 'list', default: [], group: 'session', support: 'yes', secret: true,
    help: 'Sentinel server URLs.' },
  { name: 'redis-sentinel-password', key: 'redis_sentinel_password', env: 'OAUTH2_PROXY_REDIS_SENTINEL_PASSWORD', type: 'string', default: '', group: 'session', support: 'yes', secret: true,
    help: 'Password of the Sentinel servers themselves.' },
  { name: 'redis-use-cluster', key: 'redis_use_cluster', env: 'OAUTH2_PROXY_REDIS_USE_CLUSTER', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'Talk to a Redis Cluster.' },
  { name: 'redis-cluster-connection-urls', key: 'redis_cluster_connection_urls', env: 'OAUTH2_PROXY_REDIS_CLUSTER_CONNECTION_URLS', type: 'list', default: [], group: 'session', support: 'yes', secret: true,
    help: 'Redis Cluster node URLs.' },
  { name: 'redis-ca-path', key: 'redis_ca_path', env: 'OAUTH2_PROXY_REDIS_CA_PATH', type: 'string', default: '', group: 'session', support: 'yes',
    help: 'Extra PEM CA bundle trusted for Redis TLS.' },
  { name: 'redis-insecure-skip-tls-verify', key: 'redis_insecure_skip_tls_verify', env: 'OAUTH2_PROXY_REDIS_INSECURE_SKIP_TLS_VERIFY', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'Accept any TLS certificate from Redis.' },
  { name: 'redis-connection-idle-timeout', key: 'redis_connection_idle_timeout', env: 'OAUTH2_PROXY_REDIS_CONNECTION_IDLE_TIMEOUT', type: 'int', default: 0, group: 'session', support: 'yes',
    help: 'Keep Redis connections from sitting idle this many seconds (a PING at half the interval); set it below the server\'s timeout. 0 = off.' },
  { name: 'sign-out-all-sessions', key: 'sign_out_all_sessions', env: 'OAUTH2_PROXY_SIGN_OUT_ALL_SESSIONS', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'oauth2-sidecar: sign-out ends every session of the user (all browsers and devices), not only the current one. Needs --session-store-type=redis.' },
  { name: 'oidc-rp-initiated-logout', key: 'oidc_rp_initiated_logout', env: 'OAUTH2_PROXY_OIDC_RP_INITIATED_LOGOUT', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'oauth2-sidecar: sign-out also ends the provider session, by sending the browser to the provider\'s end_session_endpoint with id_token_hint and the sign-out target as post_logout_redirect_uri (register it at the provider).' },
  { name: 'oidc-backchannel-logout', key: 'oidc_backchannel_logout', env: 'OAUTH2_PROXY_OIDC_BACKCHANNEL_LOGOUT', type: 'bool', default: false, group: 'session', support: 'yes',
    help: 'oauth2-sidecar: accept OpenID Connect Back-Channel Logout tokens at <proxy-prefix>/backchannel-logout (register that URL as the client\'s backchannel_logout_uri); each ends every session of the provider session or user it names. Needs --session-store-type=redis.' },

  // ---- authorization ----
  { name: 'email-domain', key: 'email_domains', env: 'OAUTH2_PROXY_EMAIL_DOMAINS', type: 'list', default: [], group: 'authorization', support: 'yes',
    help: 'Email domains whose users are let in; * allows any address, a leading . or *. allows subdomains only. Needed unless --authenticated-emails-file is given.' },
  { name: 'authenticated-emails-file', key: 'authenticated_emails_file', env: 'OAUTH2_PROXY_AUTHENTICATED_EMAILS_FILE', type: 'string', default: '', group: 'authorization', support: 'yes',
    help: 'File listing allowed email addresses, one per line (# starts a comment); reloaded when it changes.' },
  { name: 'allowed-group', key: 'allowed_groups', env: 'OAUTH2_PROXY_ALLOWED_GROUPS', type: 'list', default: [], group: 'authorization', support: 'yes',
    help: 'Only users in at least one of these groups are let in.' },
  { name: 'trusted-ip', key: 'trusted_ips', env: 'OAUTH2_PROXY_TRUSTED_IPS', type: 'list', default: [], group: 'authorization', support: 'yes',
    help: 'Client IPs or CIDR ranges that skip authentication entirely.' },

  // ---- identity headers ----
  { name: 'pass-basic-auth', key: 'pass_basic_auth', env: 'OAUTH2_PROXY_PASS_BASIC_AUTH', type: 'bool', default: true, group: 'headers', support: 'yes',
    help: 'Send the user headers (X-Forwarded-User and friends) to the upstream; with --basic-auth-password also a Basic Authorization header.' },
  { name: 'pass-user-headers', key: 'pass_user_headers', env: 'OAUTH2_PROXY_PASS_USER_HEADERS', type: 'bool', default: true, group: 'headers', support: 'yes',
    help: 'Send X-Forwarded-User, -Email, -Groups and -Preferred-Username to the upstream.' },
  { name: 'pass-access-token', key: 'pass_access_token', env: 'OAUTH2_PROXY_PASS_ACCESS_TOKEN', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Send the user\'s access token to the upstream in X-Forwarded-Access-Token.' },
  { name: 'pass-authorization-header', key: 'pass_authorization_header', env: 'OAUTH2_PROXY_PASS_AUTHORIZATION_HEADER', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Send the user\'s ID token to the upstream as Authorization: Bearer.' },
  { name: 'set-xauthrequest', key: 'set_xauthrequest', env: 'OAUTH2_PROXY_SET_XAUTHREQUEST', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Add X-Auth-Request-User, -Email, -Preferred-Username and -Groups to responses (for nginx auth_request and similar).' },
  { name: 'set-basic-auth', key: 'set_basic_auth', env: 'OAUTH2_PROXY_SET_BASIC_AUTH', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Add a Basic Authorization header built with --basic-auth-password to responses.' },
  { name: 'set-authorization-header', key: 'set_authorization_header', env: 'OAUTH2_PROXY_SET_AUTHORIZATION_HEADER', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Add Authorization: Bearer <ID token> to responses.' },
  { name: 'prefer-email-to-user', key: 'prefer_email_to_user', env: 'OAUTH2_PROXY_PREFER_EMAIL_TO_USER', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'Put the email address, not the user name, in X-Forwarded-User.' },
  { name: 'basic-auth-password', key: 'basic_auth_password', env: 'OAUTH2_PROXY_BASIC_AUTH_PASSWORD', type: 'string', default: '', group: 'headers', support: 'yes', secret: true,
    help: 'Password placed in generated Basic Authorization headers.' },
  { name: 'skip-auth-strip-headers', key: 'skip_auth_strip_headers', env: 'OAUTH2_PROXY_SKIP_AUTH_STRIP_HEADERS', type: 'bool', default: true, group: 'headers', support: 'yes',
    help: 'Remove client-sent copies of the identity headers before forwarding. oauth2-sidecar always removes them.' },

  // ---- routing / proxy behaviour ----
  { name: 'reverse-proxy', key: 'reverse_proxy', env: 'OAUTH2_PROXY_REVERSE_PROXY', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'Running behind another proxy: believe X-Forwarded-Proto/-Host/-Uri from --trusted-proxy-ip sources and take the client IP from --real-client-ip-header.' },
  { name: 'real-client-ip-header', key: 'real_client_ip_header', env: 'OAUTH2_PROXY_REAL_CLIENT_IP_HEADER', type: 'string', default: 'X-Real-IP', group: 'routing', support: 'yes',
    help: 'Header holding the client IP with --reverse-proxy: X-Forwarded-For, X-Real-IP, X-ProxyUser-IP, X-Envoy-External-Address or CF-Connecting-IP.' },
  { name: 'trusted-proxy-ip', key: 'trusted_proxy_ips', env: 'OAUTH2_PROXY_TRUSTED_PROXY_IPS', type: 'list', default: [], group: 'routing', support: 'yes',
    help: 'Addresses or CIDR ranges of the proxies allowed to set X-Forwarded-* headers; empty trusts every source.' },
  { name: 'redirect-url', key: 'redirect_url', env: 'OAUTH2_PROXY_REDIRECT_URL', type: 'string', default: '', group: 'routing', support: 'yes',
    help: 'Callback URL registered at the provider, e.g. https://app.example.com/oauth2/callback; empty or a bare path derives it from the request host.' },
  { name: 'relative-redirect-url', key: 'relative_redirect_url', env: 'OAUTH2_PROXY_RELATIVE_REDIRECT_URL', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'Send a relative --redirect-url to the provider as is.' },
  { name: 'whitelist-domain', key: 'whitelist_domains', env: 'OAUTH2_PROXY_WHITELIST_DOMAINS', type: 'list', default: [], group: 'routing', support: 'yes',
    help: 'Hosts (optionally :port or :*, with a leading . or *. for subdomains) that may be sent to after login or logout via an absolute URL.' },
  { name: 'skip-auth-route', key: 'skip_auth_routes', env: 'OAUTH2_PROXY_SKIP_AUTH_ROUTES', type: 'list', default: [], group: 'routing', support: 'yes',
    help: 'Requests let through without login, as [METHOD=]path-regex or [METHOD]!=path-regex.' },
  { name: 'skip-auth-regex', key: 'skip_auth_regex', env: 'OAUTH2_PROXY_SKIP_AUTH_REGEX', type: 'list', default: [], group: 'routing', support: 'yes',
    help: 'Older form of --skip-auth-route: path regexes let through for any method.' },
  { name: 'api-route', key: 'api_routes', env: 'OAUTH2_PROXY_API_ROUTES', type: 'list', default: [], group: 'routing', support: 'yes',
    help: 'Regexes over path and query marking API requests, which get 401 instead of a login page.' },
  { name: 'skip-auth-preflight', key: 'skip_auth_preflight', env: 'OAUTH2_PROXY_SKIP_AUTH_PREFLIGHT', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'Let OPTIONS requests through without login.' },
  { name: 'skip-provider-button', key: 'skip_provider_button', env: 'OAUTH2_PROXY_SKIP_PROVIDER_BUTTON', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'Send users straight to the provider instead of showing the sign-in page first.' },
  { name: 'force-json-errors', key: 'force_json_errors', env: 'OAUTH2_PROXY_FORCE_JSON_ERRORS', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'Answer unauthenticated and forbidden requests with JSON instead of pages or redirects.' },
  { name: 'spa-unauthenticated-json', key: 'spa_unauthenticated_json', env: 'OAUTH2_PROXY_SPA_UNAUTHENTICATED_JSON', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'oauth2-sidecar only. Unauthenticated background requests of a page (fetch/XHR: Sec-Fetch-Dest empty with Sec-Fetch-Mode cors, same-origin or no-cors; without fetch metadata, X-Requested-With: XMLHttpRequest or Accept: application/json) get 401 JSON with a sign_in_url whose rd is the page they came from (a same-origin Referer), uncacheable and with Vary on the headers decided on, instead of the sign-in page or a redirect to the provider they cannot follow. Navigations keep oauth2-proxy\'s answer.' },
  { name: 'encode-state', key: 'encode_state', env: 'OAUTH2_PROXY_ENCODE_STATE', type: 'bool', default: false, group: 'routing', support: 'yes',
    help: 'base64url-encode the OAuth state parameter, for providers that mangle it.' },

  // ---- JWT bearer ----
  { name: 'skip-jwt-bearer-tokens', key: 'skip_jwt_bearer_tokens', env: 'OAUTH2_PROXY_SKIP_JWT_BEARER_TOKENS', type: 'bool', default: false, group: 'jwt', support: 'yes',
    help: 'Accept requests that carry a verifiable JWT in the Authorization header instead of a session cookie.' },
  { name: 'extra-jwt-issuers', key: 'extra_jwt_issuers', env: 'OAUTH2_PROXY_EXTRA_JWT_ISSUERS', type: 'list', default: [], group: 'jwt', support: 'yes',
    help: 'More issuer=audience pairs whose bearer JWTs are accepted.' },
  { name: 'bearer-token-login-fallback', key: 'bearer_token_login_fallback', env: 'OAUTH2_PROXY_BEARER_TOKEN_LOGIN_FALLBACK', type: 'bool', default: true, group: 'jwt', support: 'yes',
    help: 'When a bearer JWT fails verification, treat the request as anonymous (true) or refuse it with 403 (false).' },

  // ---- basic auth (htpasswd) ----
  { name: 'htpasswd-file', key: 'htpasswd_file', env: 'OAUTH2_PROXY_HTPASSWD_FILE', type: 'string', default: '', group: 'basic-auth', support: 'yes',
    help: 'htpasswd file (bcrypt or SHA entries) whose users may sign in with a password.' },
  { name: 'htpasswd-user-group', key: 'htpasswd_user_groups', env: 'OAUTH2_PROXY_HTPASSWD_USER_GROUPS', type: 'list', default: [], group: 'basic-auth', support: 'yes',
    help: 'Groups given to users who signed in through the htpasswd file.' },
  { name: 'display-htpasswd-form', key: 'display_htpasswd_form', env: 'OAUTH2_PROXY_DISPLAY_HTPASSWD_FORM', type: 'bool', default: true, group: 'basic-auth', support: 'yes',
    help: 'Show a user name and password form on the sign-in page when an htpasswd file is set.' },

  // ---- pages / templates ----
  { name: 'custom-templates-dir', key: 'custom_templates_dir', env: 'OAUTH2_PROXY_CUSTOM_TEMPLATES_DIR', type: 'string', default: '', group: 'pages', support: 'yes',
    help: 'Directory with sign_in.html and/or error.html replacing the built-in pages.' },
  { name: 'custom-sign-in-logo', key: 'custom_sign_in_logo', env: 'OAUTH2_PROXY_CUSTOM_SIGN_IN_LOGO', type: 'string', default: '', group: 'pages', support: 'yes',
    help: 'Logo on the sign-in page: an image file path (.svg, .png, .jpg), an https:// URL, or - for none.' },
  { name: 'banner', key: 'banner', env: 'OAUTH2_PROXY_BANNER', type: 'string', default: '', group: 'pages', support: 'yes',
    help: 'HTML message on the sign-in page; - shows none.' },
  { name: 'footer', key: 'footer', env: 'OAUTH2_PROXY_FOOTER', type: 'string', default: '', group: 'pages', support: 'yes',
    help: 'HTML footer on the pages; - shows none.' },
  { name: 'show-debug-on-error', key: 'show_debug_on_error', env: 'OAUTH2_PROXY_SHOW_DEBUG_ON_ERROR', type: 'bool', default: false, group: 'pages', support: 'ignored',
    help: 'Show internal error details on error pages.' },

  // ---- logging ----
  { name: 'standard-logging', key: 'standard_logging', env: 'OAUTH2_PROXY_STANDARD_LOGGING', type: 'bool', default: true, group: 'logging', support: 'yes',
    help: 'Log general application messages.' },
  { name: 'standard-logging-format', key: 'standard_logging_format', env: 'OAUTH2_PROXY_STANDARD_LOGGING_FORMAT', type: 'string', default: STANDARD_LOG_FORMAT, group: 'logging', support: 'yes',
    help: 'Template for general log lines.' },
  { name: 'auth-logging', key: 'auth_logging', env: 'OAUTH2_PROXY_AUTH_LOGGING', type: 'bool', default: true, group: 'logging', support: 'yes',
    help: 'Log successful and failed authentications.' },
  { name: 'auth-logging-format', key: 'auth_logging_format', env: 'OAUTH2_PROXY_AUTH_LOGGING_FORMAT', type: 'string', default: AUTH_LOG_FORMAT, group: 'logging', support: 'yes',
    help: 'Template for authentication log lines.' },
  { name: 'request-logging', key: 'request_logging', env: 'OAUTH2_PROXY_REQUEST_LOGGING', type: 'bool', default: true, group: 'logging', support: 'yes',
    help: 'Log every request.' },
  { name: 'request-logging-format', key: 'request_logging_format', env: 'OAUTH2_PROXY_REQUEST_LOGGING_FORMAT', type: 'string', default: REQUEST_LOG_FORMAT, group: 'logging', support: 'yes',
    help: 'Template for request log lines.' },
  { name: 'errors-to-info-log', key: 'errors_to_info_log', env: 'OAUTH2_PROXY_ERRORS_TO_INFO_LOG', type: 'bool', default: false, group: 'logging', support: 'yes',
    help: 'Write error messages to standard output rather than standard error.' },
  { name: 'exclude-logging-path', key: 'exclude_logging_paths', env: 'OAUTH2_PROXY_EXCLUDE_LOGGING_PATHS', type: 'list', default: [], group: 'logging', support: 'yes',
    help: 'Request paths left out of the request log.' },
  { name: 'logging-format', key: 'logging_format', env: 'OAUTH2_PROXY_LOGGING_FORMAT', type: 'string', default: 'text', group: 'logging', support: 'yes',
    help: 'oauth2-sidecar only. text: oauth2-proxy\'s log lines, shaped by the *-logging-format templates. json: one JSON object per line with container, pod, level and msg first (pod from POD_NAME or HOSTNAME, container from CONTAINER_NAME), for log pipelines.' },
  { name: 'silence-ping-logging', key: 'silence_ping_logging', env: 'OAUTH2_PROXY_SILENCE_PING_LOGGING', type: 'bool', default: false, group: 'logging', support: 'yes',
    help: 'Leave liveness and readiness probes out of the request log.' },
  { name: 'request-id-header', key: 'request_id_header', env: 'OAUTH2_PROXY_REQUEST_ID_HEADER', type: 'string', default: 'X-Request-Id', group: 'logging', support: 'yes',
    help: 'Request header whose value is used as the request id in logs; a random id is made when it is absent.' },
  { name: 'logging-filename', key: 'logging_filename', env: 'OAUTH2_PROXY_LOGGING_FILENAME', type: 'string', default: '', group: 'logging', support: 'yes',
    help: 'Write logs to this file, rotating it, instead of standard output.' },
  { name: 'logging-max-size', key: 'logging_max_size', env: 'OAUTH2_PROXY_LOGGING_MAX_SIZE', type: 'int', default: 100, group: 'logging', support: 'yes',
    help: 'Rotate the log file once it reaches this many megabytes.' },
  { name: 'logging-max-age', key: 'logging_max_age', env: 'OAUTH2_PROXY_LOGGING_MAX_AGE', type: 'int', default: 7, group: 'logging', support: 'yes',
    help: 'Delete rotated log files older than this many days.' },
  { name: 'logging-max-backups', key: 'logging_max_backups', env: 'OAUTH2_PROXY_LOGGING_MAX_BACKUPS', type: 'int', default: 0, group: 'logging', support: 'yes',
    help: 'How many rotated log files to keep; 0 keeps all.' },
  { name: 'logging-compress', key: 'logging_compress', env: 'OAUTH2_PROXY_LOGGING_COMPRESS', type: 'bool', default: false, group: 'logging', support: 'yes',
    help: 'gzip rotated log files.' },
  { name: 'logging-local-time', key: 'logging_local_time', env: 'OAUTH2_PROXY_LOGGING_LOCAL_TIME', type: 'bool', default: true, group: 'logging', support: 'yes',
    help: 'Use local time rather than UTC in log timestamps and rotated file names.' },

  // ---- probes / misc ----
  { name: 'ping-path', key: 'ping_path', env: 'OAUTH2_PROXY_PING_PATH', type: 'string', default: '/ping', group: 'probes', support: 'yes',
    help: 'Liveness probe path; answers 200 OK without authentication.' },
  { name: 'ping-user-agent', key: 'ping_user_agent', env: 'OAUTH2_PROXY_PING_USER_AGENT', type: 'string', default: '', group: 'probes', support: 'yes',
    help: 'Also treat requests with this User-Agent on the ping path as liveness probes.' },
  { name: 'ready-path', key: 'ready_path', env: 'OAUTH2_PROXY_READY_PATH', type: 'string', default: '/ready', group: 'probes', support: 'yes',
    help: 'Readiness probe path; answers 200 OK when the proxy can serve requests.' },
  { name: 'gcp-healthchecks', key: 'gcp_healthchecks', env: 'OAUTH2_PROXY_GCP_HEALTHCHECKS', type: 'bool', default: false, group: 'probes', support: 'yes',
    help: 'Also answer Google Cloud load balancer health checks (/liveness_check, /readiness_check).' },
  { name: 'signature-key', key: 'signature_key', env: 'OAUTH2_PROXY_SIGNATURE_KEY', type: 'string', default: '', group: 'probes', support: 'yes', secret: true,
    help: 'algorithm:secret used to sign upstream requests in a GAP-Signature header.' },

  // ---- oauth2-sidecar extensions ----
  { name: 'workers', key: 'workers', env: 'OAUTH2_PROXY_WORKERS', type: 'int', default: 1, group: 'server', support: 'yes',
    help: 'oauth2-sidecar only. Number of worker processes sharing the listening port (node:cluster); 1 runs the proxy in a single process. With more, a primary process restarts a worker that dies, forwards SIGHUP and SIGTERM to the workers, and serves the metrics listeners with the workers\' metrics summed. Each worker is a whole proxy with its own memory (about 70 MiB resident when idle), and the primary adds about 45 MiB. When a worker dies, its open connections are cut, and a connection handed to it in that instant goes unanswered until the client gives up (a limit of Node\'s cluster module); clients retry both.' },
  { name: 'identity-assertion', key: 'identity_assertion', env: 'OAUTH2_PROXY_IDENTITY_ASSERTION', type: 'bool', default: false, group: 'headers', support: 'yes',
    help: 'oauth2-sidecar only. Send every proxied request with a session an X-Auth-Request-Jwt header: a JWT signed by the proxy (kid in its header; iss, aud, sub, email, groups, preferred_username, iat, exp one minute later) that the app verifies against <proxy-prefix>/jwks.json. A client-sent X-Auth-Request-Jwt is always removed.' },
  { name: 'identity-assertion-key-file', key: 'identity_assertion_key_file', env: 'OAUTH2_PROXY_IDENTITY_ASSERTION_KEY_FILE', type: 'string', default: '', group: 'headers', support: 'yes',
    help: 'oauth2-sidecar only. PEM private key (PKCS#8) that signs X-Auth-Request-Jwt: EC P-256 signs with ES256, Ed25519 with EdDSA. Without it an ES256 key is generated at start-up, which suits a single process only: replicas (and --workers above 1) need the same key file so that every JWKS matches every token.' },
  { name: 'identity-assertion-issuer', key: 'identity_assertion_issuer', env: 'OAUTH2_PROXY_IDENTITY_ASSERTION_ISSUER', type: 'string', default: '', group: 'headers', support: 'yes',
    help: 'oauth2-sidecar only. The iss claim of X-Auth-Request-Jwt; defaults to the origin of --redirect-url when that is an absolute URL, and must be set otherwise.' },
  { name: 'identity-assertion-audience', key: 'identity_assertion_audience', env: 'OAUTH2_PROXY_IDENTITY_ASSERTION_AUDIENCE', type: 'string', default: '', group: 'headers', support: 'yes',
    help: 'oauth2-sidecar only. The aud claim of X-Auth-Request-Jwt for every upstream; by default, the origin of the upstream the request goes to (e.g. http://127.0.0.1:8080).' },
  { name: 'policy-file', key: 'policy_file', env: 'OAUTH2_PROXY_POLICY_FILE', type: 'string', default: '', group: 'authorization', support: 'yes',
    help: 'oauth2-sidecar only. YAML or JSON route table (routes: id, host, path or pathRegex, methods, then allowPublic: true, deny: true or allow: {authenticated, emails, domains, groups, roles, claims}) checked after the global rules on proxied requests, websocket upgrades and /oauth2/auth: the first matching route decides, and a request no route matches is denied (403). Skip-auth rules and trusted IPs still bypass it. See docs/compatibility.md.' },
  { name: 'policy-report-only', key: 'policy_report_only', env: 'OAUTH2_PROXY_POLICY_REPORT_ONLY', type: 'bool', default: false, group: 'authorization', support: 'yes',
    help: 'oauth2-sidecar only. Evaluate --policy-file and log "policy would deny" with the route and reasons, but let every request proceed as without it.' },
  { name: 'policy-explain', key: 'policy_explain', env: 'OAUTH2_PROXY_POLICY_EXPLAIN', type: 'bool', default: false, group: 'authorization', support: 'yes',
    help: 'oauth2-sidecar only. Serve <prefix>/policy/explain?url=…&method=…[&email=…&groups=a,b]: the --policy-file decision as JSON for the caller, or a hypothetical user. An operator tool: it reveals the route table to every signed-in user.' },
  { name: 'dev-oidc-provider', key: 'dev_oidc_provider', env: 'OAUTH2_PROXY_DEV_OIDC_PROVIDER', type: 'string', default: '', group: 'development', support: 'yes',
    help: 'Start a built-in OpenID Provider for development on this host:port. Unless configured otherwise, the proxy then uses it: provider oidc, issuer http://<host:port>, client id oauth2-sidecar-dev, client secret oauth2-sidecar-dev-secret. Never use it in production.' },
  { name: 'demo', key: null, env: null, type: 'bool', default: false, group: 'development', support: 'yes',
    help: 'Try oauth2-sidecar locally with one flag: proxies to http://127.0.0.1:8080, signs in through a development provider on 127.0.0.1:5556, allows any email, uses non-Secure cookies and a random cookie secret. Every other source of configuration overrides these presets.' },
] as const satisfies readonly OptionSpec[];

export type OptionTable = typeof OPTIONS;
export type OptionEntry = OptionTable[number];

/** Config field name: the camelCased config key, or the camelCased flag for command-line-only options. */
export function fieldName(spec: OptionSpec): string {
  return camelCase(spec.key ?? spec.name);
}

export function camelCase(s: string): string {
  return s.replace(/[-_]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

const byName = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.name, o]));
const byKey = new Map<string, OptionSpec>();
const byEnv = new Map<string, OptionSpec>();
for (const o of OPTIONS as readonly OptionSpec[]) {
  if (o.key !== null) byKey.set(o.key, o);
  if (o.env !== null) byEnv.set(o.env, o);
  if (o.legacyKey !== undefined) {
    byKey.set(o.legacyKey, o);
    byEnv.set(envNameForKey(o.legacyKey), o);
  }
}

export function envNameForKey(key: string): string {
  return 'OAUTH2_PROXY_' + key.toUpperCase();
}

export function optionByName(name: string): OptionSpec | undefined {
  return byName.get(name);
}

/** Includes legacy keys. */
export function optionByKey(key: string): OptionSpec | undefined {
  return byKey.get(key);
}

/** Includes the variables of legacy keys. */
export function optionByEnv(env: string): OptionSpec | undefined {
  return byEnv.get(env);
}

export const GROUP_ORDER: readonly OptionGroup[] = Object.keys(GROUP_TITLES) as OptionGroup[];

export function optionsInGroup(group: OptionGroup): readonly OptionSpec[] {
  return (OPTIONS as readonly OptionSpec[]).filter((o) => o.group === group);
}
