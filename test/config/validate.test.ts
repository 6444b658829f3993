import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { defaultConfig } from '../../src/config/load.js';
import { OPTIONS, type OptionSpec } from '../../src/config/options.js';
import type { Config } from '../../src/config/types.js';
import { configWarnings, validate } from '../../src/config/validate.js';
import { CLIENT_SECRET, COOKIE_SECRET, VALID_ARGS, assertHasError, loadErrors, loadOk } from './support.js';

function validConfig(): Config {
  return loadOk(VALID_ARGS).config;
}

function errorsWith(overrides: Partial<Record<keyof Config, unknown>>): string[] {
  return validate({ ...validConfig(), ...overrides } as Config);
}

function assertValid(overrides: Partial<Record<keyof Config, unknown>>): void {
  assert.deepEqual(errorsWith(overrides), [], JSON.stringify(overrides));
}

describe('validation', () => {
  it('accepts the minimal valid configuration', () => {
    assert.deepEqual(validate(validConfig()), []);
  });

  it('lists every problem of an empty configuration at once', () => {
    const errors = validate(defaultConfig());
    for (const flag of ['cookie-secret', 'client-id', 'client-secret', 'email-domain']) {
      assertHasError(errors, flag);
    }
    // The default provider, google, has fixed endpoints: no issuer is needed.
    assert.equal(errors.filter((e) => e.startsWith('--provider') || e.startsWith('--oidc-issuer-url')).length, 0);
    assertHasError(errors, 'cookie-secret', "openssl rand -base64 32 | tr -- '+/' '-_'");
    assertHasError(errors, 'email-domain', /missing setting for email validation.*--email-domain="\*"/);
  });

  it('reports many problems from one load together, each starting with its flag', () => {
    const errors = loadErrors([
      '--cookie-secret=short',
      '--cookie-samesite=sideways',
      '--cookie-name=bad name',
      '--cookie-expire=1h',
      '--cookie-refresh=2h',
      '--provider=oidc',
      '--upstream=ftp://files.example.com/',
      '--http-address=localhost',
      '--real-client-ip-header=X-Client',
      '--trusted-proxy-ip=10.0.0.300',
      '--code-challenge-method=S512',
      '--session-store-type=memory',
      '--proxy-prefix=/oauth2/',
      '--ping-path=ping',
      '--skip-auth-route=^/(a+)+$',
    ]);
    for (const flag of [
      'cookie-secret', 'cookie-samesite', 'cookie-name', 'cookie-refresh', 'upstream', 'http-address',
      'real-client-ip-header', 'trusted-proxy-ip', 'code-challenge-method', 'session-store-type', 'proxy-prefix',
      'ping-path', 'skip-auth-route', 'client-id', 'client-secret', 'email-domain', 'oidc-issuer-url',
    ]) {
      assertHasError(errors, flag);
    }
    assert.ok(errors.every((e) => /^--[a-z0-9-]+: /.test(e)), errors.join('\n'));
  });

  describe('cookie rules', () => {
    it('checks the cookie secret length without revealing it', () => {
      for (const secret of ['0123456789abcdef', '0123456789abcdef01234567', '0123456789abcdef0123456789abcdef', COOKIE_SECRET, Buffer.alloc(16, 1).toString('base64url')]) {
        assertValid({ cookieSecret: secret });
      }
      const bad = 'not-the-right-length-secret';
      const errors = errorsWith({ cookieSecret: bad });
      assertHasError(errors, 'cookie-secret', /16, 24 or 32 bytes.*openssl rand/);
      assert.ok(!errors.join('\n').includes(bad));
    });

    it('requires cookie-refresh below cookie-expire unless expire is 0', () => {
      assertHasError(errorsWith({ cookieRefresh: 3_600_000, cookieExpire: 3_600_000 }), 'cookie-refresh', '1h0m0s >= 1h0m0s');
      assertValid({ cookieRefresh: 3_599_000, cookieExpire: 3_600_000 });
      assertValid({ cookieRefresh: 3_600_000, cookieExpire: 0 });
      assertHasError(errorsWith({ cookieRefresh: -1 }), 'cookie-refresh', 'negative');
    });

    it('checks SameSite, the cookie name and the CSRF lifetime', () => {
      for (const v of ['', 'lax', 'strict', 'none']) assertValid({ cookieSamesite: v });
      assertHasError(errorsWith({ cookieSamesite: 'Lax' }), 'cookie-samesite');
      for (const v of ['_oauth2_proxy', 'session', "a!#$%&'*+-.^_`|~z"]) assertValid({ cookieName: v });
      for (const v of ['', 'a b', 'a;b', 'a=b', 'a,b', '"a"', 'ä']) assertHasError(errorsWith({ cookieName: v }), 'cookie-name');
      assertHasError(errorsWith({ cookieName: 'a'.repeat(257) }), 'cookie-name', '256');
      assertValid({ cookieName: 'a'.repeat(256) });
      assertHasError(errorsWith({ cookieCsrfExpire: 0 }), 'cookie-csrf-expire');
    });
  });

  describe('provider rules', () => {
    it('requires client id and secret', () => {
      assertHasError(errorsWith({ clientId: '' }), 'client-id', 'missing setting');
      assertHasError(errorsWith({ clientSecret: '' }), 'client-secret', '--client-secret-file');
    });

    it('names unknown providers with the valid ones', () => {
      const unknown = errorsWith({ provider: 'okta' });
      assertHasError(unknown, 'provider', /"okta" is not a valid provider \(valid: oidc, keycloak-oidc, .*sourcehut/);
    });

    it('requires an issuer, or the three endpoints when discovery is skipped', () => {
      assertHasError(errorsWith({ oidcIssuerUrl: '' }), 'oidc-issuer-url', 'missing setting');
      const skipped = errorsWith({ oidcIssuerUrl: '', skipOidcDiscovery: true });
      for (const flag of ['login-url', 'redeem-url', 'oidc-jwks-url']) assertHasError(skipped, flag, '--skip-oidc-discovery');
      assertValid({
        oidcIssuerUrl: '',
        skipOidcDiscovery: true,
        loginUrl: 'https://idp/authorize',
        redeemUrl: 'https://idp/token',
        oidcJwksUrl: 'https://idp/jwks',
      });
    });

    it('requires absolute http(s) URLs for provider endpoints', () => {
      for (const [field, flag] of [['oidcIssuerUrl', 'oidc-issuer-url'], ['loginUrl', 'login-url'], ['profileUrl', 'profile-url']] as const) {
        assertHasError(errorsWith({ [field]: '/relative' }), flag, 'absolute');
        assertHasError(errorsWith({ [field]: 'ftp://idp' }), flag);
        assertValid({ [field]: 'http://localhost:5556/realms/x' });
      }
    });

    it('accepts an empty, relative or absolute http(s) redirect URL only', () => {
      for (const v of ['', '/oauth2/callback', 'https://app.example.com/oauth2/callback', 'http://127.0.0.1:4180/oauth2/callback']) {
        assertValid({ redirectUrl: v });
      }
      for (const v of ['oauth2/callback', '//evil.example.com/cb', 'javascript:alert(1)', 'https://']) {
        assertHasError(errorsWith({ redirectUrl: v }), 'redirect-url');
      }
    });

    it('accepts S256, plain or no code challenge method', () => {
      for (const v of ['', 'S256', 'plain']) assertValid({ codeChallengeMethod: v });
      assertHasError(errorsWith({ codeChallengeMethod: 's256' }), 'code-challenge-method');
    });
  });

  it('requires an email rule', () => {
    assertHasError(errorsWith({ emailDomains: [] }), 'email-domain');
    assertValid({ emailDomains: [], authenticatedEmailsFile: '/etc/emails' });
  });

  describe('upstreams', () => {
    it('accepts http and https URLs on distinct paths', () => {
      assertValid({ upstreams: ['http://127.0.0.1:8080', 'https://api.internal/api/', 'http://[::1]:9000/exact'] });
    });

    it('accepts static:// and file://, rejects unix:// as not supported, anything else as invalid', () => {
      assertValid({ upstreams: ['static://202', 'file:///var/www#/static/'] });
      assertHasError(errorsWith({ upstreams: ['unix:///run/app.sock'] }), 'upstream', 'not supported by oauth2-sidecar yet');
      for (const u of ['ftp://x/', 'localhost:8080', '/just/a/path', 'http://']) {
        const errors = errorsWith({ upstreams: [u] });
        assertHasError(errors, 'upstream');
        assert.ok(!errors.join('\n').includes('not supported'), u);
      }
    });

    it('rejects two upstreams for the same path', () => {
      assertHasError(errorsWith({ upstreams: ['http://a:1/app/', 'http://b:2/app/'] }), 'upstream', '"/app/"');
      assertHasError(errorsWith({ upstreams: ['http://a:1', 'http://b:2/'] }), 'upstream', '"/"');
    });

    it('does not reveal credentials embedded in an upstream URL', () => {
      const errors = errorsWith({ upstreams: ['http://user:pa55word@a:1/x/', 'http://user:pa55word@b:1/x/'] });
      assertHasError(errors, 'upstream');
      assert.ok(!errors.join('\n').includes('pa55word'));
    });

    it('requires positive timeouts', () => {
      assertHasError(errorsWith({ upstreamTimeout: 0 }), 'upstream-timeout');
      assertHasError(errorsWith({ flushInterval: -1 }), 'flush-interval');
    });
  });

  describe('server and routing', () => {
    it('checks the listen address', () => {
      for (const v of ['127.0.0.1:4180', '0.0.0.0:4180', ':4180', 'http://:4180', 'localhost:0', '[::1]:4180', 'http://[::]:80']) {
        assertValid({ httpAddress: v });
      }
      for (const v of ['unix:///tmp/s.sock', 'fd:3']) assertHasError(errorsWith({ httpAddress: v }), 'http-address', 'not supported by oauth2-sidecar yet');
      for (const v of ['localhost', '127.0.0.1:http', '127.0.0.1:65536', 'https://127.0.0.1:443', '::1:4180', '[zz]:80', '']) {
        assertHasError(errorsWith({ httpAddress: v }), 'http-address');
      }
    });

    it('checks proxy prefix and probe paths', () => {
      assertValid({ proxyPrefix: '/auth' });
      for (const v of ['oauth2', '/oauth2/', '', '/']) assertHasError(errorsWith({ proxyPrefix: v }), 'proxy-prefix');
      assertHasError(errorsWith({ pingPath: 'ping' }), 'ping-path');
      assertHasError(errorsWith({ readyPath: '' }), 'ready-path');
    });

    it('accepts the five client IP headers in any case', () => {
      for (const v of ['X-Forwarded-For', 'x-real-ip', 'X-PROXYUSER-IP', 'X-Envoy-External-Address', 'cf-connecting-ip']) {
        assertValid({ realClientIpHeader: v });
      }
      assertHasError(errorsWith({ realClientIpHeader: 'Forwarded' }), 'real-client-ip-header');
    });

    it('accepts IPs and CIDRs of both families as trusted proxies', () => {
      assertValid({ trustedProxyIps: ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0'] });
      for (const v of ['10.0.0.0/33', '::/129', 'localhost', '10.0.0.1/', '10.0.0', '']) {
        assertHasError(errorsWith({ trustedProxyIps: [v] }), 'trusted-proxy-ip');
      }
    });

    it('rejects empty whitelist entries', () => {
      assertValid({ whitelistDomains: ['.example.com', 'example.com:*'] });
      assertHasError(errorsWith({ whitelistDomains: [''] }), 'whitelist-domain');
    });

    it('accepts the cookie and redis session stores, redis with its connection settings', () => {
      assertValid({ sessionStoreType: 'redis', redisConnectionUrl: 'redis://cache:6379/0' });
      assertHasError(errorsWith({ sessionStoreType: 'redis' }), 'redis-connection-url', 'missing setting');
      assertHasError(errorsWith({ sessionStoreType: 'memory' }), 'session-store-type', 'not a valid');
      assertHasError(errorsWith({ signOutAllSessions: true }), 'sign-out-all-sessions', 'needs --session-store-type=redis');
      assertHasError(errorsWith({ oidcBackchannelLogout: true }), 'oidc-backchannel-logout', 'needs --session-store-type=redis');
      assertHasError(errorsWith({ backendLogoutUrl: 'not a url' }), 'backend-logout-url');
      assertValid({ backendLogoutUrl: 'https://idp.example.com/logout?id_token_hint={id_token}' });
    });

    it('checks the development provider address', () => {
      assertValid({ devOidcProvider: '127.0.0.1:5556' });
      assertValid({ devOidcProvider: 'localhost:5556' });
      for (const v of [':5556', '127.0.0.1', '127.0.0.1:0', 'http://127.0.0.1:5556']) {
        assertHasError(errorsWith({ devOidcProvider: v }), 'dev-oidc-provider');
      }
    });
  });

  describe('options oauth2-sidecar does not implement', () => {
    const notSupported = (OPTIONS as readonly OptionSpec[]).filter((o) => o.support === 'no');

    function nonDefaultArg(o: OptionSpec): string {
      switch (o.type) {
        case 'bool':
          return `--${o.name}=${String(!o.default)}`;
        case 'int':
          return `--${o.name}=5`;
        case 'duration':
          return `--${o.name}=5m`;
        default:
          return `--${o.name}=some-value-${o.name}`;
      }
    }

    it('rejects every one of them when set, all in one result, never quoting the value', () => {
      const errors = loadErrors([...VALID_ARGS, ...notSupported.map(nonDefaultArg)]);
      for (const o of notSupported) assert.ok(errors.includes(`--${o.name}: not supported by oauth2-sidecar yet`), `--${o.name}`);
      assert.ok(!errors.join('\n').includes('some-value-'), errors.join('\n'));
    });

    it('accepts them at their default value', () => {
      loadOk([...VALID_ARGS, '--https-address=:443', '--force-https=false', '--azure-tenant=common', '--oidc-audience-claim=aud']);
    });
  });

  describe('warnings', () => {
    it('warns for accepted options that have no effect', () => {
      const { warnings } = loadOk([...VALID_ARGS, '--show-debug-on-error']);
      for (const flag of ['show-debug-on-error']) {
        assert.ok(warnings.includes(`--${flag}: accepted, but has no effect in oauth2-sidecar yet`), flag);
      }
    });

    it('warns about reverse-proxy without trusted proxies and about skip-auth-strip-headers=false', () => {
      const { warnings } = loadOk([...VALID_ARGS, '--reverse-proxy', '--skip-auth-strip-headers=false']);
      assert.ok(warnings.some((w) => w.startsWith('--reverse-proxy:') && w.includes('--trusted-proxy-ip')));
      assert.ok(warnings.some((w) => w.startsWith('--skip-auth-strip-headers:') && w.includes('always')));
      assert.deepEqual(configWarnings(loadOk([...VALID_ARGS, '--reverse-proxy', '--trusted-proxy-ip=10.0.0.1']).config), []);
    });
  });

  it('never puts a secret value in an error or warning', () => {
    const secrets = {
      cookie: 'cookie-secret-of-odd-length-x',
      redis: 'redis-password-value',
      basic: 'basic-auth-password-value',
      token: 'github-token-value',
      url: 'redis://user:url-password-value@redis:6379',
    };
    const r = loadErrors(
      [
        `--cookie-secret=${secrets.cookie}`,
        `--redis-password=${secrets.redis}`,
        `--basic-auth-password=${secrets.basic}`,
        '--client-secret',
        CLIENT_SECRET,
        `--redis-connection-url=${secrets.url}`,
      ],
      { OAUTH2_PROXY_GITHUB_TOKEN: secrets.token, OAUTH2_PROXY_CLIENT_SECRET: 'env-client-secret-value' },
    );
    const text = r.join('\n');
    for (const s of [...Object.values(secrets), CLIENT_SECRET, 'env-client-secret-value', 'url-password-value']) {
      assert.ok(!text.includes(s), `${s} leaked:\n${text}`);
    }
  });

  it('does not modify the configuration it checks', () => {
    const config = { ...defaultConfig(), upstreams: ['http://a:1/', 'http://a:1/'], cookieSecret: 'x' } as Config;
    const before = structuredClone(config);
    validate(config);
    configWarnings(config);
    assert.deepEqual(config, before);
  });

  it('passes a real-world style configuration', () => {
    loadOk([
      '--http-address=0.0.0.0:4180',
      '--provider=oidc',
      '--provider-display-name=Keycloak',
      '--oidc-issuer-url=https://sso.example.com/realms/main',
      '--client-id=web',
      `--client-secret=${CLIENT_SECRET}`,
      `--cookie-secret=${COOKIE_SECRET}`,
      '--cookie-domain=.example.com',
      '--cookie-samesite=lax',
      '--cookie-refresh=1h',
      '--cookie-expire=8h',
      '--email-domain=example.com',
      '--allowed-group=/admins',
      '--upstream=http://app:8080/',
      '--upstream=http://api:9000/api/',
      '--reverse-proxy',
      '--trusted-proxy-ip=10.0.0.0/8',
      '--real-client-ip-header=X-Forwarded-For',
      '--whitelist-domain=.example.com',
      '--code-challenge-method=S256',
      '--set-xauthrequest',
      '--pass-access-token',
      '--skip-provider-button',
      '--redirect-url=https://app.example.com/oauth2/callback',
    ]);
  });
});
