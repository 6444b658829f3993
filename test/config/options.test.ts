import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultConfig } from '../../src/config/load.js';
import { OPTIONS, fieldName, optionByEnv, optionByKey, optionByName, type OptionSpec } from '../../src/config/options.js';
import type { Config } from '../../src/config/types.js';
import { defaultValue } from '../../src/config/values.js';
import { OAUTH2_PROXY_FLAGS } from './oauth2-proxy-flags.js';

const ALL = OPTIONS as readonly OptionSpec[];
const OWN_OPTIONS = ['help', 'dev-oidc-provider', 'demo', 'logging-format', 'sign-out-all-sessions', 'oidc-rp-initiated-logout', 'oidc-backchannel-logout', 'workers',
  'identity-assertion', 'identity-assertion-key-file', 'identity-assertion-issuer', 'identity-assertion-audience',
  'spa-unauthenticated-json', 'extra-provider', 'policy-file', 'policy-report-only', 'policy-explain'];

function spec(name: string): OptionSpec {
  const s = optionByName(name);
  assert.ok(s, `--${name} missing from the table`);
  return s;
}

// Compile-time checks (tsc): field names and value types other code relies on.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
export type FieldTypeChecks = [
  Expect<Equal<Config['httpAddress'], string>>,
  Expect<Equal<Config['upstreams'], string[]>>,
  Expect<Equal<Config['emailDomains'], string[]>>,
  Expect<Equal<Config['cookieDomains'], string[]>>,
  Expect<Equal<Config['whitelistDomains'], string[]>>,
  Expect<Equal<Config['trustedProxyIps'], string[]>>,
  Expect<Equal<Config['allowedGroups'], string[]>>,
  Expect<Equal<Config['cookieSecret'], string>>,
  Expect<Equal<Config['cookieExpire'], number>>,
  Expect<Equal<Config['skipProviderButton'], boolean>>,
  Expect<Equal<Config['loggingMaxSize'], number>>,
  Expect<Equal<Config['configTest'], boolean>>,
  Expect<Equal<Config['alphaConfig'], string>>,
  Expect<Equal<Config['version'], boolean>>,
  Expect<Equal<Config['help'], boolean>>,
  Expect<Equal<Config['demo'], boolean>>,
  Expect<Equal<Config['devOidcProvider'], string>>,
  Expect<Equal<Config['skipAuthRegex'], string[]>>,
];

describe('option table', () => {
  it('has the 172 oauth2-proxy flags plus our own', () => {
    assert.equal(OAUTH2_PROXY_FLAGS.length, 172);
    assert.equal(ALL.length, 172 + OWN_OPTIONS.length);
    const names = new Set(ALL.map((o) => o.name));
    assert.equal(names.size, ALL.length, 'flag names are unique');
    for (const [name] of OAUTH2_PROXY_FLAGS) assert.ok(names.has(name), `--${name} missing`);
    for (const name of OWN_OPTIONS) assert.ok(names.has(name), `--${name} missing`);
  });

  it('matches oauth2-proxy for every flag: env var, config key, type and default', () => {
    for (const [name, env, key, type, documented] of OAUTH2_PROXY_FLAGS) {
      const s = spec(name);
      assert.equal(s.env, env === '—' ? null : env, `env of --${name}`);
      assert.equal(s.key, key === '—' ? null : key, `key of --${name}`);
      assert.equal(s.type, type, `type of --${name}`);
      if (name === 'insecure-oidc-skip-nonce') continue; // deliberate difference, tested below
      let expected: unknown;
      if (documented === '—') expected = type === 'list' ? [] : type === 'bool' ? false : '';
      else if (documented === '0 (off)') expected = '0';
      else if (documented === '[aud]') expected = ['aud'];
      else if (type === 'bool') expected = documented === 'true';
      else if (type === 'int') expected = Number(documented);
      else expected = documented;
      assert.deepEqual(s.default, expected, `default of --${name}`);
    }
  });

  it('defaults insecure-oidc-skip-nonce to false, unlike oauth2-proxy', () => {
    assert.equal(spec('insecure-oidc-skip-nonce').default, false);
    assert.equal(defaultConfig().insecureOidcSkipNonce, false);
  });

  it('names environment variables OAUTH2_PROXY_ + upper-cased config key (plural for lists)', () => {
    for (const o of ALL) {
      if (o.key === null) {
        assert.equal(o.env, null, `--${o.name} is command-line only`);
        continue;
      }
      assert.equal(o.env, `OAUTH2_PROXY_${o.key.toUpperCase()}`, `env of --${o.name}`);
    }
    const sample: [string, string, string][] = [
      ['upstream', 'upstreams', 'OAUTH2_PROXY_UPSTREAMS'],
      ['email-domain', 'email_domains', 'OAUTH2_PROXY_EMAIL_DOMAINS'],
      ['cookie-domain', 'cookie_domains', 'OAUTH2_PROXY_COOKIE_DOMAINS'],
      ['whitelist-domain', 'whitelist_domains', 'OAUTH2_PROXY_WHITELIST_DOMAINS'],
      ['trusted-proxy-ip', 'trusted_proxy_ips', 'OAUTH2_PROXY_TRUSTED_PROXY_IPS'],
      ['allowed-group', 'allowed_groups', 'OAUTH2_PROXY_ALLOWED_GROUPS'],
      ['skip-auth-route', 'skip_auth_routes', 'OAUTH2_PROXY_SKIP_AUTH_ROUTES'],
      ['skip-auth-regex', 'skip_auth_regex', 'OAUTH2_PROXY_SKIP_AUTH_REGEX'],
      ['tls-cipher-suite', 'tls_cipher_suites', 'OAUTH2_PROXY_TLS_CIPHER_SUITES'],
      ['oidc-audience-claim', 'oidc_audience_claims', 'OAUTH2_PROXY_OIDC_AUDIENCE_CLAIMS'],
      ['cookie-secret', 'cookie_secret', 'OAUTH2_PROXY_COOKIE_SECRET'],
      ['http-address', 'http_address', 'OAUTH2_PROXY_HTTP_ADDRESS'],
      ['dev-oidc-provider', 'dev_oidc_provider', 'OAUTH2_PROXY_DEV_OIDC_PROVIDER'],
    ];
    for (const [name, key, env] of sample) {
      assert.equal(spec(name).key, key);
      assert.equal(spec(name).env, env);
      assert.equal(optionByKey(key), spec(name));
      assert.equal(optionByEnv(env), spec(name));
    }
  });

  it('uses the plural key for every list option except skip_auth_regex', () => {
    for (const o of ALL.filter((x) => x.type === 'list' && x.key !== 'skip_auth_regex')) {
      assert.match(o.key ?? '', /s$/, `--${o.name}`);
    }
  });

  it('keeps command-line-only options off the environment and the file', () => {
    for (const name of ['config', 'alpha-config', 'convert-config-to-alpha', 'config-test', 'version', 'help', 'demo']) {
      assert.equal(spec(name).key, null);
      assert.equal(spec(name).env, null);
    }
  });

  it('accepts the legacy google_group key and its variable', () => {
    assert.equal(optionByKey('google_group'), spec('google-group'));
    assert.equal(optionByEnv('OAUTH2_PROXY_GOOGLE_GROUP'), spec('google-group'));
  });

  it('marks credentials as secret', () => {
    for (const name of [
      'client-secret', 'cookie-secret', 'redis-password', 'redis-sentinel-password', 'basic-auth-password',
      'github-token', 'jwt-key', 'google-service-account-json', 'signature-key', 'redis-connection-url',
    ]) {
      assert.equal(spec(name).secret, true, `--${name}`);
    }
    for (const o of ALL.filter((x) => x.secret)) assert.ok(o.default === '' || (Array.isArray(o.default) && o.default.length === 0));
  });

  it('implements exactly the intended options', () => {
    const implemented = [
      'http-address', 'proxy-prefix', 'ping-path', 'ready-path', 'reverse-proxy', 'trusted-proxy-ip',
      'real-client-ip-header', 'upstream', 'pass-host-header', 'proxy-websockets', 'upstream-timeout',
      'flush-interval', 'ssl-upstream-insecure-skip-verify', 'provider', 'provider-display-name', 'oidc-issuer-url',
      'client-id', 'client-secret', 'client-secret-file', 'redirect-url', 'scope', 'skip-oidc-discovery', 'login-url',
      'redeem-url', 'oidc-jwks-url', 'profile-url', 'oidc-email-claim', 'oidc-groups-claim', 'user-id-claim',
      'code-challenge-method', 'insecure-oidc-skip-nonce', 'insecure-oidc-allow-unverified-email', 'prompt',
      'approval-prompt', 'cookie-name', 'cookie-secret', 'cookie-secret-file', 'cookie-domain', 'cookie-path',
      'cookie-expire', 'cookie-refresh', 'cookie-secure', 'cookie-httponly', 'cookie-samesite',
      'cookie-csrf-per-request', 'cookie-csrf-expire', 'email-domain', 'authenticated-emails-file', 'allowed-group',
      'set-xauthrequest', 'pass-user-headers', 'pass-access-token', 'pass-authorization-header',
      'set-authorization-header', 'prefer-email-to-user', 'skip-auth-strip-headers', 'skip-provider-button',
      'custom-templates-dir', 'custom-sign-in-logo', 'banner', 'footer', 'force-json-errors', 'whitelist-domain',
      'request-logging', 'auth-logging', 'standard-logging', 'silence-ping-logging', 'request-id-header',
      'session-store-type', 'pass-basic-auth',
      'skip-auth-route', 'skip-auth-regex', 'api-route', 'skip-auth-preflight', 'trusted-ip', 'ping-user-agent',
      'gcp-healthchecks', 'skip-jwt-bearer-tokens', 'extra-jwt-issuers', 'bearer-token-login-fallback', 'htpasswd-file',
      'htpasswd-user-group', 'display-htpasswd-form', 'basic-auth-password', 'set-basic-auth', 'config', 'config-test', 'version', 'help', 'dev-oidc-provider', 'demo',
      // providers and their rules
      'validate-url', 'resource', 'acr-values', 'bitbucket-team', 'bitbucket-repository', 'github-org', 'github-team',
      'github-repo', 'github-token', 'github-user', 'gitlab-group', 'gitlab-project', 'google-group', 'google-admin-email',
      'google-service-account-json', 'keycloak-group', 'allowed-role', 'jwt-key', 'jwt-key-file', 'pubjwk-url',
      'entra-id-allowed-tenant', 'azure-tenant', 'azure-graph-group-field',
      // operations: metrics, TLS, logging, alpha configuration
      'alpha-config', 'convert-config-to-alpha', 'https-address', 'tls-cert-file', 'tls-key-file', 'tls-min-version',
      'tls-cipher-suite', 'metrics-address', 'metrics-secure-address', 'metrics-tls-cert-file', 'metrics-tls-key-file',
      'force-https', 'standard-logging-format', 'auth-logging-format', 'request-logging-format', 'errors-to-info-log',
      'exclude-logging-path', 'logging-filename', 'logging-max-size', 'logging-max-age', 'logging-max-backups',
      'logging-compress', 'logging-local-time', 'logging-format',
      // sessions in Redis, sign-out and logout at the provider
      'redis-connection-url', 'redis-username', 'redis-password', 'redis-use-sentinel', 'redis-sentinel-master-name',
      'redis-sentinel-connection-urls', 'redis-sentinel-password', 'redis-use-cluster', 'redis-cluster-connection-urls',
      'redis-ca-path', 'redis-insecure-skip-tls-verify', 'redis-connection-idle-timeout', 'backend-logout-url',
      'sign-out-all-sessions', 'oidc-rp-initiated-logout', 'oidc-backchannel-logout',
      // worker processes (node:cluster)
      'workers',
      // JSON for a page's background requests without a session
      'spa-unauthenticated-json',
      // several identity providers in one instance
      'extra-provider',
      // per-route policies
      'policy-file', 'policy-report-only', 'policy-explain',
      // the signed identity assertion for upstreams
      'identity-assertion', 'identity-assertion-key-file', 'identity-assertion-issuer', 'identity-assertion-audience',
      // cookies, state and upstream requests
      'cookie-csrf-samesite', 'cookie-csrf-per-request-limit', 'encode-state', 'relative-redirect-url',
      'session-cookie-minimal', 'disable-keep-alives', 'allow-query-semicolons', 'signature-key',
      // provider TLS, ID token algorithms, userinfo, authorization request
      'provider-ca-file', 'use-system-trust-store', 'ssl-insecure-skip-verify', 'oidc-enabled-signing-alg',
      'skip-claims-from-profile-url', 'auth-request-response-mode', 'force-code-challenge-method',
      'oidc-audience-claim', 'oidc-extra-audience', 'insecure-oidc-skip-issuer-verification', 'oidc-public-key-file',
    ];
    assert.deepEqual(ALL.filter((o) => o.support === 'yes').map((o) => o.name).sort(), [...implemented].sort());
  });

  it('marks only cosmetic options as ignored', () => {
    const ignored = ALL.filter((o) => o.support === 'ignored').map((o) => o.name).sort();
    assert.deepEqual(ignored, [
      'show-debug-on-error',
    ]);
    for (const name of ['entra-id-federated-token-auth']) {
      assert.equal(spec(name).support, 'no', `--${name}`);
    }
  });

  it('gives every option a help text and a group', () => {
    for (const o of ALL) {
      assert.ok(o.help.length > 10, `--${o.name} help`);
      assert.ok(o.group, `--${o.name} group`);
    }
  });

  it('derives Config field names from the config key, or the flag for command-line-only options', () => {
    const config = defaultConfig();
    const fields = Object.keys(config);
    assert.deepEqual(fields, ALL.map(fieldName));
    assert.equal(new Set(fields).size, fields.length, 'field names are unique');
    for (const f of [
      'httpAddress', 'upstreams', 'emailDomains', 'cookieDomains', 'whitelistDomains', 'trustedProxyIps', 'allowedGroups',
      'cookieSecret', 'cookieExpire', 'skipProviderButton', 'configTest', 'version', 'help', 'demo', 'alphaConfig',
      'convertConfigToAlpha', 'config', 'devOidcProvider', 'sslUpstreamInsecureSkipVerify', 'setXauthrequest',
    ]) {
      assert.ok(fields.includes(f), f);
    }
  });

  it('holds durations in milliseconds and every default with its own type', () => {
    const c = defaultConfig();
    assert.equal(c.cookieExpire, 168 * 3600 * 1000);
    assert.equal(c.cookieRefresh, 0);
    assert.equal(c.cookieCsrfExpire, 15 * 60 * 1000);
    assert.equal(c.flushInterval, 1000);
    assert.equal(c.upstreamTimeout, 30_000);
    assert.equal(c.httpAddress, '127.0.0.1:4180');
    assert.equal(c.provider, 'google');
    assert.deepEqual(c.oidcAudienceClaims, ['aud']);
    assert.deepEqual(c.upstreams, []);
    assert.equal(c.cookieSecure, true);
    assert.equal(c.loggingMaxSize, 100);
    const byType = { string: 'string', bool: 'boolean', int: 'number', duration: 'number' } as const;
    for (const o of ALL) {
      const v = (c as unknown as Record<string, unknown>)[fieldName(o)];
      if (o.type === 'list') assert.ok(Array.isArray(v), `--${o.name}`);
      else assert.equal(typeof v, byType[o.type], `--${o.name}`);
      assert.deepEqual(v, defaultValue(o));
    }
  });

  it('returns a deeply frozen configuration', () => {
    const c = defaultConfig();
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.upstreams));
    assert.throws(() => {
      (c as unknown as Record<string, unknown>).httpAddress = 'x';
    }, TypeError);
  });
});
