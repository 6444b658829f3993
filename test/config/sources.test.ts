import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CLIENT_SECRET, COOKIE_SECRET, VALID_ARGS, assertHasError, loadErrors, loadOk, tmpFile } from './support.js';

const VALID_ENV: Record<string, string> = {
  OAUTH2_PROXY_PROVIDER: 'oidc',
  OAUTH2_PROXY_OIDC_ISSUER_URL: 'https://idp.example.com',
  OAUTH2_PROXY_CLIENT_ID: 'app',
  OAUTH2_PROXY_CLIENT_SECRET: CLIENT_SECRET,
  OAUTH2_PROXY_COOKIE_SECRET: COOKIE_SECRET,
  OAUTH2_PROXY_EMAIL_DOMAINS: 'example.com,example.org',
};

const VALID_TOML = `
provider = "oidc"
oidc_issuer_url = "https://idp.example.com"
client_id = "app"
client_secret = "${CLIENT_SECRET}"
cookie_secret = "${COOKIE_SECRET}"
email_domains = ["example.com"]
`;

describe('environment variables', () => {
  it('configure everything on their own', () => {
    const { config, warnings } = loadOk([], {
      ...VALID_ENV,
      OAUTH2_PROXY_UPSTREAMS: 'http://127.0.0.1:8080/, http://127.0.0.1:9090/api/',
      OAUTH2_PROXY_COOKIE_SECURE: 'false',
      OAUTH2_PROXY_SKIP_PROVIDER_BUTTON: '1',
      OAUTH2_PROXY_COOKIE_EXPIRE: '12h',
      OAUTH2_PROXY_TRUSTED_PROXY_IPS: '10.0.0.0/8,::1',
      OAUTH2_PROXY_REVERSE_PROXY: 'T',
      OAUTH2_PROXY_WHITELIST_DOMAINS: '.example.com',
      OAUTH2_PROXY_COOKIE_DOMAINS: 'example.com',
      OAUTH2_PROXY_ALLOWED_GROUPS: 'admins,ops',
      PATH: '/usr/bin',
    });
    assert.equal(config.provider, 'oidc');
    assert.equal(config.clientSecret, CLIENT_SECRET);
    assert.deepEqual(config.emailDomains, ['example.com', 'example.org']);
    assert.deepEqual(config.upstreams, ['http://127.0.0.1:8080/', 'http://127.0.0.1:9090/api/']);
    assert.equal(config.cookieSecure, false);
    assert.equal(config.skipProviderButton, true);
    assert.equal(config.cookieExpire, 12 * 3_600_000);
    assert.deepEqual(config.trustedProxyIps, ['10.0.0.0/8', '::1']);
    assert.equal(config.reverseProxy, true);
    assert.deepEqual(config.whitelistDomains, ['.example.com']);
    assert.deepEqual(config.cookieDomains, ['example.com']);
    assert.deepEqual(config.allowedGroups, ['admins', 'ops']);
    assert.deepEqual(warnings, []);
  });

  it('treats an empty variable as unset', () => {
    const { config } = loadOk(VALID_ARGS, { OAUTH2_PROXY_HTTP_ADDRESS: '', OAUTH2_PROXY_COOKIE_SECURE: '' });
    assert.equal(config.httpAddress, '127.0.0.1:4180');
    assert.equal(config.cookieSecure, true);
  });

  it('warns about unknown OAUTH2_PROXY_ variables and command-line-only names', () => {
    const { warnings } = loadOk(VALID_ARGS, {
      OAUTH2_PROXY_UPSTREAM: 'http://x',
      OAUTH2_PROXY_NOT_A_THING: 'x',
      OAUTH2_PROXY_CONFIG: '/etc/x.toml',
      OAUTH2_PROXY_DEMO: 'true',
      OTHER_VARIABLE: 'x',
    });
    assert.ok(warnings.includes('unknown environment variable OAUTH2_PROXY_UPSTREAM is ignored (did you mean OAUTH2_PROXY_UPSTREAMS?)'), warnings.join('\n'));
    assert.ok(warnings.includes('unknown environment variable OAUTH2_PROXY_NOT_A_THING is ignored'), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes('OAUTH2_PROXY_CONFIG') && w.includes('command line')));
    assert.ok(warnings.some((w) => w.includes('OAUTH2_PROXY_DEMO') && w.includes('command line')));
    assert.ok(!warnings.some((w) => w.includes('OTHER_VARIABLE')));
  });

  it('rejects badly typed values, naming flag and variable', () => {
    const errors = loadErrors(VALID_ARGS, {
      OAUTH2_PROXY_COOKIE_SECURE: 'yes',
      OAUTH2_PROXY_LOGGING_MAX_AGE: 'week',
      OAUTH2_PROXY_FLUSH_INTERVAL: '1 s',
    });
    assertHasError(errors, 'cookie-secure', /invalid boolean "yes".*OAUTH2_PROXY_COOKIE_SECURE/);
    assertHasError(errors, 'logging-max-age', /OAUTH2_PROXY_LOGGING_MAX_AGE/);
    assertHasError(errors, 'flush-interval', /OAUTH2_PROXY_FLUSH_INTERVAL/);
  });

  it('maps the legacy OAUTH2_PROXY_GOOGLE_GROUP to --google-group', () => {
    const { config } = loadOk(VALID_ARGS, { OAUTH2_PROXY_GOOGLE_GROUP: 'admins,ops' });
    assert.deepEqual(config.googleGroups, ['admins', 'ops']);
  });
});

describe('TOML config file', () => {
  it('configures everything on its own', () => {
    const path = tmpFile('only.toml', `${VALID_TOML}
upstreams = ["http://127.0.0.1:8080/", "http://127.0.0.1:9090/api/"]
http_address = "0.0.0.0:4180"
cookie_expire = "24h"
cookie_refresh = "1h"
cookie_secure = false
logging_max_size = 10
whitelist_domains = ".example.com"
trusted_proxy_ips = ["10.0.0.1"]
skip_auth_strip_headers = true
`);
    const { config, warnings } = loadOk([`--config=${path}`]);
    assert.equal(config.config, path);
    assert.equal(config.httpAddress, '0.0.0.0:4180');
    assert.deepEqual(config.upstreams, ['http://127.0.0.1:8080/', 'http://127.0.0.1:9090/api/']);
    assert.equal(config.cookieExpire, 24 * 3_600_000);
    assert.equal(config.cookieRefresh, 3_600_000);
    assert.equal(config.cookieSecure, false);
    assert.equal(config.loggingMaxSize, 10);
    assert.deepEqual(config.whitelistDomains, ['.example.com'], 'a string for a list key is a one-element list');
    assert.deepEqual(config.trustedProxyIps, ['10.0.0.1']);
    assert.deepEqual(warnings, []);
  });

  it('accepts 0 for a duration and the legacy google_group key', () => {
    const path = tmpFile('zero.toml', `${VALID_TOML}\ncookie_refresh = 0\n`);
    assert.equal(loadOk(['--config', path]).config.cookieRefresh, 0);
    const legacy = tmpFile('legacy.toml', `${VALID_TOML}\ngoogle_group = ["a"]\n`);
    assert.deepEqual(loadOk(['--config', legacy]).config.googleGroups, ['a']);
  });

  it('rejects unknown keys, naming key and file', () => {
    const path = tmpFile('unknown.toml', `${VALID_TOML}\nupstream = "http://x"\nnot_an_option = 1\ndemo = true\nconfig = "x"\n[server]\nport = 1\n`);
    const errors = loadErrors(['--config', path]);
    assert.ok(errors.includes(`--config: ${path}: unknown key "upstream" (did you mean "upstreams"?)`), errors.join('\n'));
    assert.ok(errors.includes(`--config: ${path}: unknown key "not_an_option"`), errors.join('\n'));
    for (const key of ['demo', 'config', 'server']) {
      assert.ok(errors.some((e) => e.includes(`unknown key "${key}"`) && e.includes(path)), key);
    }
  });

  it('rejects values of the wrong type, naming the flag, without quoting them', () => {
    const path = tmpFile('types.toml', `${VALID_TOML}
cookie_secure = "yes"
upstreams = [1, 2]
logging_max_size = "10"
cookie_expire = 3600
http_address = 4180
skip_provider_button = 1
flush_interval = true
cookie_name = ["a"]
request_id_header = 2020-01-01
`);
    const errors = loadErrors(['--config', path]);
    assertHasError(errors, 'cookie-secure', /must be a boolean.*not a string/);
    assertHasError(errors, 'upstream', /array of strings/);
    assertHasError(errors, 'logging-max-size', /must be an integer, not a string/);
    assertHasError(errors, 'cookie-expire', /unit/);
    assertHasError(errors, 'http-address', /must be a string, not an integer/);
    assertHasError(errors, 'skip-provider-button', /boolean/);
    assertHasError(errors, 'flush-interval', /duration/);
    assertHasError(errors, 'cookie-name', /must be a string, not an array/);
    assertHasError(errors, 'request-id-header', /not a date/);
    assert.ok(errors.every((e) => e.includes(path) || !e.startsWith('--config')));
  });

  it('reports parse errors with file, line and column, without quoting the file', () => {
    const path = tmpFile('broken.toml', 'client_id = "app"\n\nclient_secret = "super-secret-value\n');
    const errors = loadErrors(['--config', path]);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0] ?? '', new RegExp(`^--config: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: invalid TOML`));
    assert.ok(!errors[0]?.includes('super-secret-value'));
  });

  it('reports a file that cannot be read', () => {
    const errors = loadErrors(['--config=/nonexistent/oauth2-sidecar.toml']);
    assert.deepEqual(errors, ['--config: cannot read config file "/nonexistent/oauth2-sidecar.toml": no such file']);
  });
});

describe('precedence: flag > env > file > demo preset > default', () => {
  const file = (): string => tmpFile('layers.toml', `${VALID_TOML}\nupstreams = ["http://file:1/"]\nprovider_display_name = "file"\ncookie_expire = "3h"\n`);

  it('takes the default when nothing is set', () => {
    assert.equal(loadOk(VALID_ARGS).config.cookieExpire, 168 * 3_600_000);
  });

  it('lets the demo preset beat the default', () => {
    assert.deepEqual(loadOk([...VALID_ARGS, '--demo']).config.upstreams, ['http://127.0.0.1:8080']);
  });

  it('lets the file beat the demo preset', () => {
    const { config } = loadOk(['--demo', `--config=${file()}`]);
    assert.deepEqual(config.upstreams, ['http://file:1/']);
    assert.equal(config.cookieExpire, 3 * 3_600_000);
  });

  it('lets the environment beat the file', () => {
    const { config } = loadOk(['--demo', `--config=${file()}`], {
      OAUTH2_PROXY_UPSTREAMS: 'http://env:1/',
      OAUTH2_PROXY_PROVIDER_DISPLAY_NAME: 'env',
    });
    assert.deepEqual(config.upstreams, ['http://env:1/']);
    assert.equal(config.providerDisplayName, 'env');
    assert.equal(config.cookieExpire, 3 * 3_600_000);
  });

  it('lets flags beat everything, replacing lists rather than merging them', () => {
    const { config } = loadOk(['--demo', `--config=${file()}`, '--upstream=http://flag:1/', '--cookie-expire=5h'], {
      OAUTH2_PROXY_UPSTREAMS: 'http://env:1/',
      OAUTH2_PROXY_PROVIDER_DISPLAY_NAME: 'env',
    });
    assert.deepEqual(config.upstreams, ['http://flag:1/']);
    assert.equal(config.cookieExpire, 5 * 3_600_000);
    assert.equal(config.providerDisplayName, 'env');
  });
});

describe('secret files', () => {
  it('reads --client-secret-file and --cookie-secret-file, dropping the trailing newline', () => {
    const clientFile = tmpFile('client-secret', 'from-file-secret\n');
    const cookieFile = tmpFile('cookie-secret', `${COOKIE_SECRET}\r\n`);
    const args = VALID_ARGS.filter((a) => !a.startsWith('--client-secret=') && !a.startsWith('--cookie-secret='));
    const { config } = loadOk([...args, `--client-secret-file=${clientFile}`], { OAUTH2_PROXY_COOKIE_SECRET_FILE: cookieFile });
    assert.equal(config.clientSecret, 'from-file-secret');
    assert.equal(config.cookieSecret, COOKIE_SECRET);
    assert.equal(config.clientSecretFile, clientFile);
  });

  it('prefers an explicit secret over the file', () => {
    const clientFile = tmpFile('client-secret-2', 'from-file\n');
    assert.equal(loadOk([...VALID_ARGS, `--client-secret-file=${clientFile}`]).config.clientSecret, CLIENT_SECRET);
  });

  it('reports an unreadable or empty file once, under the file flag', () => {
    const args = VALID_ARGS.filter((a) => !a.startsWith('--client-secret=') && !a.startsWith('--cookie-secret='));
    const empty = tmpFile('empty-secret', '\n');
    const errors = loadErrors([...args, '--client-secret-file=/nonexistent/secret', `--cookie-secret-file=${empty}`]);
    assert.deepEqual(errors, [
      '--client-secret-file: cannot read "/nonexistent/secret": no such file',
      `--cookie-secret-file: ${JSON.stringify(empty)} is empty`,
    ]);
  });
});
