import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alphaExtrasOf } from '../../src/config/alpha.js';
import { writeFileSync } from 'node:fs';
import { hostConfigsOf } from '../../src/config/hosts.js';
import { routeTableOf } from '../../src/config/policy-file.js';
import { createHostMatcher, parseHostPattern, splitHostUpstream } from '../../src/upstream/hosts.js';
import { assertHasError, COOKIE_SECRET, loadErrors, loadOk, tmpFile, VALID_ARGS } from './support.js';

const PROVIDER = `
providers:
  - id: idp
    provider: oidc
    clientID: app
    clientSecret: client-secret-value-7f3a
    oidcConfig:
      issuerURL: https://idp.example.com
`;
const alphaArgs = (yaml: string, extra: string[] = []) => [`--alpha-config=${tmpFile(`hosts-${Math.random().toString(36).slice(2)}.yaml`, PROVIDER + yaml)}`, `--cookie-secret=${COOKIE_SECRET}`, '--email-domain=*', ...extra];

describe('host patterns', () => {
  it('normalises exact names, ports and wildcards', () => {
    assert.deepEqual(parseHostPattern('App1.Example.COM'), { pattern: 'app1.example.com' });
    assert.deepEqual(parseHostPattern('app1.example.com.:08443'), { pattern: 'app1.example.com:8443' });
    assert.deepEqual(parseHostPattern('*.Apps.example.com'), { pattern: '*.apps.example.com' });
    assert.deepEqual(parseHostPattern('[::1]:8080'), { pattern: '[::1]:8080' });
    assert.deepEqual(parseHostPattern('127.0.0.1'), { pattern: '127.0.0.1' });
  });

  it('refuses ambiguous or invalid hosts', () => {
    for (const bad of ['', '*', '*.', 'a.*.example.com', '*.example.com:443', 'http://x', 'bad host', 'a..b', '[zz]', 'x:99999', 'user@host']) {
      assert.ok('problem' in parseHostPattern(bad), `accepted ${JSON.stringify(bad)}`);
    }
  });

  it('picks the exact host, then the longest wildcard, else the fallback', () => {
    const m = createHostMatcher([
      ['app.example.com', 'exact'], ['app.example.com:8443', 'exact-port'], ['*.example.com', 'wide'],
      ['*.apps.example.com', 'narrow'], ['[::1]', 'v6'],
    ], 'default');
    assert.equal(m.pick('APP.example.com'), 'exact');
    assert.equal(m.pick('app.example.com:8080'), 'exact', 'the port is ignored unless the entry names one');
    assert.equal(m.pick('app.example.com:8443'), 'exact-port');
    assert.equal(m.pick('app.example.com.'), 'exact');
    assert.equal(m.pick('x.apps.example.com'), 'narrow');
    assert.equal(m.pick('a.b.apps.example.com:81'), 'narrow');
    assert.equal(m.pick('apps.example.com'), 'wide');
    assert.equal(m.pick('example.com'), 'default', 'a wildcard does not match its bare suffix');
    assert.equal(m.pick('[::1]:9000'), 'v6');
    assert.equal(m.pick('other.org'), 'default');
    assert.equal(m.pick(''), 'default');
  });
});

describe('--upstream=<host>=<url>', () => {
  it('keeps every plain upstream form as it was', () => {
    for (const v of ['http://127.0.0.1:8080/', 'https://a.example/x?y=z=1', 'static://202', 'file:///var/www#/static/', 'unix:///run/app.sock']) {
      assert.deepEqual(splitHostUpstream(v), { host: undefined, uri: v });
    }
    const { config } = loadOk([...VALID_ARGS, '--upstream=http://127.0.0.1:8080/api/', '--upstream=static://202', '--upstream=file:///var/www#/static/']);
    assert.equal(hostConfigsOf(config), undefined, 'no host entries: served by createApp as before');
    assertHasError(loadErrors([...VALID_ARGS, '--upstream=unix:///run/app.sock']), 'upstream', 'unix:// upstreams are not supported');
  });

  it('binds upstreams to hosts; plain ones serve every other host', () => {
    const { config } = loadOk([...VALID_ARGS, '--skip-auth-route=^/public/',
      '--upstream=http://127.0.0.1:8080/', '--upstream=App1.example.com=http://127.0.0.1:8081/',
      '--upstream=app1.example.com=file:///srv/files#/files/', '--upstream=*.apps.example.com=http://127.0.0.1:8082/api/']);
    const hosts = hostConfigsOf(config);
    assert.ok(hosts);
    assert.deepEqual(hosts.fallback.upstreams, ['http://127.0.0.1:8080/']);
    assert.deepEqual(hosts.hosts.map((h) => [h.patterns, h.config.upstreams]), [
      [['app1.example.com'], ['http://127.0.0.1:8081/', 'file:///srv/files#/files/']],
      [['*.apps.example.com'], ['http://127.0.0.1:8082/api/']],
    ]);
    assert.deepEqual(hosts.hosts[0]!.config.skipAuthRoutes, ['^/public/'], 'every other option is the same for each host');
    assert.ok(Object.isFrozen(hosts.hosts[0]!.config));
  });

  it('gives every host the route table validation compiled, not a second reading of the file', () => {
    const policy = tmpFile(`policy-${Math.random().toString(36).slice(2)}.yaml`, 'routes:\n  - { host: app1.example.com, path: /, allowPublic: true }\n');
    const { config } = loadOk([...VALID_ARGS, '--upstream=http://127.0.0.1:8080/', '--upstream=app1.example.com=http://127.0.0.1:8081/', `--policy-file=${policy}`]);
    writeFileSync(policy, 'not: a table\n');
    const hosts = hostConfigsOf(config);
    assert.ok(hosts);
    const table = routeTableOf(config);
    assert.ok(table);
    assert.equal(routeTableOf(hosts.fallback), table);
    assert.equal(routeTableOf(hosts.hosts[0]!.config), table);
  });

  it('reports every bad host-bound value, naming --upstream', () => {
    const errors = loadErrors([...VALID_ARGS,
      '--upstream=*=http://127.0.0.1:8080/', '--upstream=bad host=http://127.0.0.1:8080/', '--upstream=app.example.com=127.0.0.1:8080',
      '--upstream=a.example.com=http://127.0.0.1:1/', '--upstream=A.example.com=http://127.0.0.1:2/', '--upstream=b.example.com=ftp://x/']);
    assertHasError(errors, 'upstream', '"*" is only allowed as a leading "*."');
    assertHasError(errors, 'upstream', 'is not a valid host name');
    assertHasError(errors, 'upstream', 'a host-bound upstream is <host>=<url>');
    assertHasError(errors, 'upstream', 'both serve path "/" of host a.example.com');
    assertHasError(errors, 'upstream', 'invalid scheme "ftp://"');
    assert.equal(errors.filter((e) => e.startsWith('--upstream:')).length, 5);
  });

  it('lets different hosts serve the same path', () => {
    loadOk([...VALID_ARGS, '--upstream=http://127.0.0.1:8080/', '--upstream=a.example.com=http://127.0.0.1:8081/', '--upstream=b.example.com=http://127.0.0.1:8082/']);
  });
});

const HOSTS = `
upstreamConfig:
  upstreams:
    - { id: main, path: /, uri: http://127.0.0.1:8080 }
hosts:
  - host: app1.example.com
    upstreams:
      - { id: app1, path: /, uri: http://127.0.0.1:8081, passHostHeader: false }
    cookie: { name: _app1, domains: [app1.example.com], path: /, expire: 1h, refresh: 30m, secure: false, httpOnly: false, sameSite: strict, csrfExpire: 5m }
  - host: ['*.apps.example.com', 'apps.example.com:8443']
    upstreams:
      - { id: apps, path: /api/, uri: http://127.0.0.1:8082 }
      - { id: ok, path: /health, static: true, staticCode: 204 }
`;

describe('alpha hosts:', () => {
  it('builds one Config per entry with its upstreams and cookie', () => {
    const { config } = loadOk(alphaArgs(HOSTS));
    const hosts = hostConfigsOf(config);
    assert.ok(hosts);
    assert.deepEqual(alphaExtrasOf(hosts.fallback)?.upstreams.map((u) => u.id), ['main']);
    const [app1, apps] = hosts.hosts;
    assert.deepEqual(app1!.patterns, ['app1.example.com']);
    assert.deepEqual(alphaExtrasOf(app1!.config)?.upstreams, [{ id: 'app1', path: '/', uri: 'http://127.0.0.1:8081', passHostHeader: false }]);
    const c = app1!.config;
    assert.deepEqual([c.cookieName, c.cookieDomains, c.cookiePath, c.cookieExpire, c.cookieRefresh, c.cookieSecure, c.cookieHttponly, c.cookieSamesite, c.cookieCsrfExpire],
      ['_app1', ['app1.example.com'], '/', 3_600_000, 1_800_000, false, false, 'strict', 300_000]);
    assert.deepEqual(apps!.patterns, ['*.apps.example.com', 'apps.example.com:8443']);
    assert.equal(apps!.config.cookieName, '_oauth2_proxy', 'no override: the global cookie');
    assert.deepEqual(alphaExtrasOf(apps!.config)?.upstreams.map((u) => u.uri), ['http://127.0.0.1:8082', 'static://204']);
    assert.equal(alphaExtrasOf(apps!.config)?.hosts, undefined);
  });

  it('reports every problem together, each with its path', () => {
    const errors = loadErrors(alphaArgs(`
hosts:
  - host: app1.example.com
    upstreams: []
    cookie: { name: 'bad name', sameSite: sometimes, expire: forever, colour: blue }
  - host: [APP1.example.com, '*']
    upstreams:
      - { id: a, path: /, uri: 'ftp://x' }
    cookie: { refresh: 2h, expire: 1h, csrfExpire: 0, path: relative }
    extra: 1
  - upstreams:
      - { id: a, path: /, uri: 'http://127.0.0.1:1' }
`));
    const file = /^--alpha-config: \S+\.yaml: /;
    const paths = errors.filter((e) => file.test(e)).map((e) => e.replace(file, '').split(':')[0]);
    assert.deepEqual(paths.sort(), [
      'hosts[0].cookie.colour', 'hosts[0].cookie.expire', 'hosts[0].cookie.name', 'hosts[0].cookie.sameSite', 'hosts[0].upstreams',
      'hosts[1].cookie.csrfExpire', 'hosts[1].cookie.path', 'hosts[1].cookie.refresh', 'hosts[1].extra', 'hosts[1].host[0]', 'hosts[1].host[1]',
      'hosts[1].upstreams[0].uri', 'hosts[2].host',
    ].sort(), errors.join('\n'));
    assert.ok(errors.some((e) => /hosts\[0\]\.cookie\.sameSite: "sometimes" is not one of lax, strict, none or empty/.test(e)));
    assert.ok(errors.some((e) => /hosts\[1\]\.host\[0\]: app1\.example\.com is already listed in hosts\[0\]/.test(e)));
    assert.ok(errors.some((e) => /hosts\[1\]\.cookie\.refresh: must be less than cookie\.expire/.test(e)));
  });

  it('checks a host cookie lifetime against the global one', () => {
    const errors = loadErrors(alphaArgs(`
hosts:
  - host: a.example.com
    upstreams: [{ id: a, path: /, uri: 'http://127.0.0.1:1' }]
    cookie: { refresh: 200h }
`));
    assert.ok(errors.some((e) => /hosts\[0\]\.cookie\.refresh: the refresh age must be less than the expiry \(200h0m0s >= 168h0m0s\)/.test(e)), errors.join('\n'));
  });

  it('refuses a per-host cookie when --redirect-url sends the callback to another host', () => {
    const yaml = `
hosts:
  - host: a.example.com
    upstreams: [{ id: a, path: /, uri: 'http://127.0.0.1:1' }]
    cookie: { name: _a }
  - host: b.example.com
    upstreams: [{ id: b, path: /, uri: 'http://127.0.0.1:2' }]
`;
    const errors = loadErrors(alphaArgs(yaml, ['--redirect-url=https://b.example.com/oauth2/callback']));
    assertHasError(errors, 'redirect-url', 'hosts[0] in --alpha-config (a.example.com) sets its own session cookie');
    assert.equal(errors.length, 1, errors.join('\n'));
    loadOk(alphaArgs(yaml, ['--redirect-url=https://a.example.com/oauth2/callback']));
    loadOk(alphaArgs(yaml, ['--redirect-url=/oauth2/callback', '--relative-redirect-url']));
    loadOk(alphaArgs(yaml));
  });

  it('is an unknown key only to nothing: --upstream cannot be combined with it', () => {
    assertHasError(loadErrors([...alphaArgs(HOSTS), '--upstream=a.example.com=http://127.0.0.1:1/']), 'upstream', 'cannot be used with --alpha-config');
  });
});
