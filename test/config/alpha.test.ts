import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { alphaExtrasOf } from '../../src/config/alpha.js';
import { REPLACED_BY_ALPHA } from '../../src/config/alpha-schema.js';
import { toAlphaYaml } from '../../src/config/alpha-convert.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { createAlphaIdentityHeaders } from '../../src/upstream/alpha-headers.js';
import { createIdentityHeaders } from '../../src/upstream/identity.js';
import type { SessionState } from '../../src/session/state.js';

const SECRET = 'kS9nG2xV7qL4wP1zR8tY3uB6mC0dF5hJ';
const dir = mkdtempSync(join(tmpdir(), 'alpha-'));
let n = 0;
function file(text: string): string {
  const p = join(dir, `alpha${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

const SESSION: SessionState = {
  user: 'u-123', email: 'alice@example.com', groups: ['admins', 'dev'], preferredUsername: 'alice',
  accessToken: 'at', idToken: 'idt', createdAt: Date.UTC(2024, 0, 1), expiresOn: Date.UTC(2024, 0, 2),
};

const FULL = `
upstreamConfig:
  upstreams:
    - id: app
      path: /
      uri: \${UPSTREAM}
      passHostHeader: false
      timeout: 5s
    - id: health
      path: /healthz
      static: true
      staticCode: 204
injectRequestHeaders:
  - name: X-User
    values:
      - claimSource: { claim: email, prefix: "mail:" }
  - name: X-Groups
    values:
      - claimSource: { claim: groups }
  - name: X-Static
    values:
      - secretSource: { value: c2VjcmV0LXZhbHVl }
      - secretSource: { fromEnv: EXTRA_VALUE }
  - name: Authorization
    values:
      - claimSource: { claim: user, basicAuthPassword: { value: cGFzcw== } }
  - name: X-Keep
    preserveRequestValue: true
    values:
      - claimSource: { claim: preferred_username }
injectResponseHeaders:
  - name: X-Auth-Request-Email
    values:
      - claimSource: { claim: email }
server:
  bindAddress: 127.0.0.1:4999
metricsServer:
  bindAddress: 127.0.0.1:9999
providers:
  - id: main
    provider: oidc
    clientID: the-client
    clientSecret: \${CLIENT_SECRET}
    scope: openid email profile
    allowedGroups: [admins]
    oidcConfig:
      issuerURL: \${ISSUER}
      emailClaim: email
      insecureSkipNonce: false
    loginURLParameters:
      - name: prompt
        default: [login]
# beyond oauth2-proxy: the rest of the configuration in the same file
cookie_secret: \${COOKIE_SECRET}
cookie_secure: false
email_domains: ["*"]
cookie_expire: 12h
`;
const ENV = { UPSTREAM: 'http://127.0.0.1:8080', CLIENT_SECRET: 'shh', ISSUER: 'https://idp.example.com', COOKIE_SECRET: SECRET, EXTRA_VALUE: 'from-env' };

describe('--alpha-config', () => {
  it('loads oauth2-proxy\'s alpha keys, ${ENV} substitution and the extra option keys into one configuration', () => {
    const r = loadConfig([`--alpha-config=${file(FULL)}`], ENV);
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    const c = r.config;
    assert.equal(c.httpAddress, '127.0.0.1:4999');
    assert.equal(c.metricsAddress, '127.0.0.1:9999');
    assert.equal(c.clientId, 'the-client');
    assert.equal(c.clientSecret, 'shh');
    assert.equal(c.oidcIssuerUrl, 'https://idp.example.com');
    assert.equal(c.scope, 'openid email profile');
    assert.deepEqual(c.allowedGroups, ['admins']);
    assert.equal(c.prompt, 'login');
    assert.equal(c.cookieSecret, SECRET);
    assert.equal(c.cookieExpire, 12 * 3600 * 1000);
    assert.deepEqual(c.upstreams, []);
    const extras = alphaExtrasOf(c);
    assert.ok(extras);
    assert.deepEqual(extras.upstreams, [
      { id: 'app', path: '/', uri: 'http://127.0.0.1:8080', passHostHeader: false, timeoutMs: 5000 },
      { id: 'health', path: '/healthz', uri: 'static://204' },
    ]);
    const headers = createAlphaIdentityHeaders(extras);
    assert.deepEqual(headers.request(SESSION), [
      ['X-User', 'mail:alice@example.com'],
      ['X-Groups', 'admins,dev'],
      ['X-Static', 'secret-value,from-env'],
      ['Authorization', 'Basic ' + Buffer.from('u-123:pass').toString('base64')],
      ['X-Keep', 'alice'],
    ]);
    assert.deepEqual(headers.response(SESSION), [['X-Auth-Request-Email', 'alice@example.com'], ['GAP-Auth', 'alice@example.com']]);
    // Injected names are stripped from clients (in every spelling), unless preserveRequestValue.
    assert.equal(headers.strips('x-user'), true);
    assert.equal(headers.strips('authorization'), true);
    assert.equal(headers.strips('x-keep'), false);
    assert.equal(headers.strips('x-forwarded-email'), true, 'identity headers are always stripped');
  });

  it('refuses the flags the alpha file replaces, unknown keys and malformed values, all at once', () => {
    const path = file(`
providers:
  - provider: oidc
    clientID: x
    oidcConfig: { issuerURL: https://i.example, madeUp: 1 }
upstreamConfig:
  upstreams:
    - { id: a, path: /, uri: ftp://nope }
    - { id: a, path: /, uri: http://b, rewriteTarget: /x }
injectRequestHeaders:
  - name: X-A
    values: [ { claimSource: { claim: shoe_size } }, { secretSource: { value: "not base64!" } } ]
server: { bindAddress: 127.0.0.1:1, tls: { cert: { value: abc } } }
cookie_secre: x
`);
    const r = loadConfig([`--alpha-config=${path}`, '--client-id=flag', '--upstream=http://x', `--cookie-secret=${SECRET}`, '--email-domain=*'], { OAUTH2_PROXY_HTTP_ADDRESS: '127.0.0.1:2' });
    assert.equal(r.ok, false);
    const errors = r.ok ? '' : r.errors.join('\n');
    for (const expected of [
      '--client-id: cannot be used with --alpha-config',
      '--upstream: cannot be used with --alpha-config',
      '--http-address: cannot be used with --alpha-config',
      'providers[0].oidcConfig.madeUp: unknown or unsupported key',
      'upstreamConfig.upstreams[0].uri: must be an http://, https:// or file:// URL',
      'upstreamConfig.upstreams[1].rewriteTarget: is not supported',
      'injectRequestHeaders[0].values[0].claimSource.claim: must be one of',
      'injectRequestHeaders[0].values[1].secretSource.value: must be base64-encoded',
      'server.tls.cert: oauth2-sidecar reads TLS material from files only',
      'cookie_secre: unknown key',
    ]) assert.ok(errors.includes(expected), `missing ${JSON.stringify(expected)} in:\n${errors}`);
  });

  it('maps server TLS from files, an empty bindAddress meaning HTTPS only', async () => {
    const { createTestCa } = await import('../ops/certs.js');
    const ca = createTestCa();
    const pair = ca.issue('alpha');
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, pair.cert);
    writeFileSync(key, pair.key);
    const yaml = `server:\n  bindAddress: ""\n  secureBindAddress: 127.0.0.1:8443\n  tls:\n    cert: { fromFile: ${cert} }\n    key: { fromFile: ${key} }\n    minVersion: TLS1.3\n    cipherSuites: [TLS_AES_128_GCM_SHA256]\n`
      + `providers: [ { provider: oidc, clientID: c, clientSecret: s, oidcConfig: { issuerURL: https://i.example } } ]\ncookie_secret: ${SECRET}\nemail_domains: ["*"]\n`;
    const r = loadConfig([`--alpha-config=${file(yaml)}`], {});
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    assert.deepEqual([r.config.httpsAddress, r.config.tlsCertFile, r.config.tlsKeyFile, r.config.tlsMinVersion, r.config.tlsCipherSuites],
      ['127.0.0.1:8443', cert, key, 'TLS1.3', ['TLS_AES_128_GCM_SHA256']]);
  });

  it('reports a YAML syntax error with its position and without quoting the file', () => {
    const r = loadConfig([`--alpha-config=${file('providers:\n  - clientSecret: hunter2\n   bad: [\n')}`], {});
    assert.equal(r.ok, false);
    const errors = r.ok ? '' : r.errors.join('\n');
    assert.match(errors, /--alpha-config: .*alpha\d+\.yaml:\d+:\d+: invalid YAML/);
    assert.doesNotMatch(errors, /hunter2/);
  });
});

describe('--convert-config-to-alpha', () => {
  const LEGACY = [
    '--http-address=127.0.0.1:4180', '--upstream=http://127.0.0.1:8080/', '--upstream=http://127.0.0.1:9090/api/', '--upstream-timeout=12s',
    '--pass-host-header=false', '--provider=oidc', '--client-id=cid', '--client-secret=csecret', '--oidc-issuer-url=https://idp.example.com',
    '--scope=openid email', '--allowed-group=admins', '--prompt=login', '--oidc-email-claim=mail', '--pass-access-token', '--set-xauthrequest',
    '--pass-authorization-header', '--metrics-address=127.0.0.1:9100',
  ];
  const REST = [`--cookie-secret=${SECRET}`, '--email-domain=*', '--cookie-secure=false', '--request-logging=false'];

  it('round-trips: legacy → alpha → load gives the same effective configuration, headers and upstreams', () => {
    const legacy = loadConfig([...LEGACY, ...REST], {});
    assert.ok(legacy.ok, legacy.ok ? '' : legacy.errors.join('\n'));
    const yaml = toAlphaYaml(legacy.config);
    assert.match(yaml, /^upstreamConfig:/m);
    assert.match(yaml, /^providers:/m);
    const back = loadConfig([`--alpha-config=${file(yaml)}`, ...REST], {});
    assert.ok(back.ok, back.ok ? '' : back.errors.join('\n'));

    // Header flags have no alpha counterpart of their own: the headers they produce are compared below.
    const skip = new Set(['alphaConfig', 'upstreams', 'passBasicAuth', 'passUserHeaders', 'passAccessToken', 'passAuthorizationHeader',
      'setXauthrequest', 'setBasicAuth', 'setAuthorizationHeader', 'preferEmailToUser', 'basicAuthPassword']);
    const a = legacy.config as unknown as Record<string, unknown>;
    const b = back.config as unknown as Record<string, unknown>;
    for (const k of Object.keys(a)) if (!skip.has(k)) assert.deepEqual(b[k], a[k], k);

    const legacyHeaders = createIdentityHeaders({
      passUserHeaders: a.passUserHeaders as boolean, passAccessToken: true, passAuthorizationHeader: true, setXAuthRequest: true,
      setAuthorizationHeader: false, preferEmailToUser: false, passBasicAuth: true, basicAuthPassword: '', setBasicAuth: false,
    });
    const alphaHeaders = createAlphaIdentityHeaders(alphaExtrasOf(back.config as Config)!);
    assert.deepEqual(alphaHeaders.request(SESSION), legacyHeaders.request(SESSION));
    assert.deepEqual(alphaHeaders.response(SESSION), legacyHeaders.response(SESSION));
    assert.deepEqual(alphaExtrasOf(back.config as Config)!.upstreams.map((u) => [u.id, u.path, u.uri, u.timeoutMs, u.passHostHeader]), [
      ['/', '/', 'http://127.0.0.1:8080/', 12000, false],
      ['/api/', '/api/', 'http://127.0.0.1:9090/api/', 12000, false],
    ]);
  });

  it('prints the conversion from the real executable and exits 0', async () => {
    const { runBin } = await import('../support/spawn.js');
    const r = await runBin([...LEGACY, ...REST, '--convert-config-to-alpha']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /clientID: cid/);
    assert.match(r.stdout, /issuerURL: https:\/\/idp\.example\.com/);
  });

  it('lists only options that exist', () => {
    for (const name of REPLACED_BY_ALPHA) assert.ok(loadConfig([`--${name}=`], {}).warnings !== undefined, name);
  });
});
