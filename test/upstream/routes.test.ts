import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRouter, originForm } from '../../src/upstream/routes.js';

describe('createRouter', () => {
  test('parses http(s) upstream URLs into routes keyed by their path', () => {
    const r = createRouter(['http://127.0.0.1:8080', 'https://api.internal/api/', 'http://[::1]:9000/exact']);
    const [root, api, exact] = r.routes;
    assert.equal(root.id, '/');
    assert.equal(root.path, '/');
    assert.equal(root.prefix, true);
    assert.equal(root.origin, 'http://127.0.0.1:8080');
    assert.equal(root.host, '127.0.0.1:8080');
    assert.equal(root.port, 8080);
    assert.equal(root.servername, '');
    assert.equal(api.id, '/api/');
    assert.equal(api.protocol, 'https:');
    assert.equal(api.port, 443);
    assert.equal(api.host, 'api.internal');
    assert.equal(api.servername, 'api.internal');
    assert.equal(exact.prefix, false);
    assert.equal(exact.hostname, '::1');
    assert.equal(exact.host, '[::1]:9000');
  });

  test('applies defaults and per-upstream overrides', () => {
    const r = createRouter(
      ['http://a:1/', { id: 'b', path: '/b/', uri: 'http://b:2/ignored', passHostHeader: false, timeoutMs: 5 }],
      { passHostHeader: true, timeoutMs: 100, insecureSkipVerify: true },
    );
    assert.equal(r.routes[0].passHostHeader, true);
    assert.equal(r.routes[0].timeoutMs, 100);
    assert.equal(r.routes[0].insecureSkipVerify, true);
    assert.equal(r.routes[0].proxyWebSockets, true);
    assert.equal(r.routes[1].id, 'b');
    assert.equal(r.routes[1].path, '/b/');
    assert.equal(r.routes[1].passHostHeader, false);
    assert.equal(r.routes[1].timeoutMs, 5);
  });

  const bad: [string, (string | { id?: string; uri: string; path?: string })[]][] = [
    ['file:// upstream without an absolute directory', ['file://srv/www#/static/']],
    ['static:// upstream without a status code', ['static://abc']],
    ['unix:// upstream', ['unix:///run/app.sock']],
    ['unparsable URL', ['not a url']],
    ['duplicate path', ['http://a/x/', 'http://b/x/']],
    ['duplicate id', [{ id: 'x', uri: 'http://a/', path: '/a/' }, { id: 'x', uri: 'http://b/', path: '/b/' }]],
    ['relative path', [{ uri: 'http://a/', path: 'x/' }]],
  ];
  for (const [name, ups] of bad) {
    test(`rejects ${name}`, () => assert.throws(() => createRouter(ups)));
  }
});

describe('Router.match', () => {
  const router = createRouter([
    'http://root:1',
    'http://api:2/api/',
    'http://apiv2:3/api/v2/',
    'http://health:4/healthz',
    'http://docs:5/docs/',
    'http://exact:6/api/v2/status',
  ]);
  const cases: [target: string, expected: string | { redirect: string } | undefined][] = [
    ['/', '/'],
    ['/anything/else', '/'],
    ['/api/', '/api/'],
    ['/api/users?x=1', '/api/'],
    ['/api/v2/', '/api/v2/'],
    ['/api/v2/users', '/api/v2/'],
    ['/api/v2/status', '/api/v2/status'],
    ['/api/v2/status/more', '/api/v2/'],
    ['/healthz', '/healthz'],
    ['/healthz/', '/'],
    ['/healthzz', '/'],
    ['/docs', '/'],
    ['/apix', '/'],
    // Matching is on the raw target: an encoded slash is not a separator.
    ['/api%2Fv2/x', '/'],
    ['http://evil.example/api/x', '/api/'],
  ];
  for (const [target, expected] of cases) {
    test(`${target} → ${JSON.stringify(expected)}`, () => {
      const m = router.match(target);
      assert.equal(m?.route?.id, expected);
    });
  }

  const noRoot = createRouter(['http://api:2/api/', 'http://exact:3/exact', 'http://deep:4/a/b/']);
  const redirects: [target: string, expected: string | { redirect: string } | undefined][] = [
    ['/api', { redirect: '/api/' }],
    ['/api?x=1&y=%20', { redirect: '/api/?x=1&y=%20' }],
    ['/a/b', { redirect: '/a/b/' }],
    ['/api/x', '/api/'],
    ['/exact', '/exact'],
    ['/exact/', undefined],
    ['/', undefined],
    ['/a', undefined],
    ['/other', undefined],
  ];
  for (const [target, expected] of redirects) {
    test(`without a root route: ${target} → ${JSON.stringify(expected)}`, () => {
      const m = noRoot.match(target);
      if (expected === undefined) assert.equal(m, undefined);
      else if (typeof expected === 'string') assert.equal(m?.route?.id, expected);
      else assert.deepEqual(m, expected);
    });
  }

  test('longest prefix wins regardless of declaration order', () => {
    const r = createRouter(['http://a/x/', 'http://b/x/y/z/', 'http://c/x/y/']);
    assert.equal(r.match('/x/y/z/1')?.route?.id, '/x/y/z/');
    assert.equal(r.match('/x/y/1')?.route?.id, '/x/y/');
    assert.equal(r.match('/x/1')?.route?.id, '/x/');
  });

  test('returns the same answer object for a route every time', () => {
    assert.equal(router.match('/api/a'), router.match('/api/b'));
  });
});

describe('originForm', () => {
  const cases: [string, string | undefined][] = [
    ['/a?b', '/a?b'],
    ['http://h/a%2F..?x', '/a%2F..?x'],
    ['HTTPS://h:8/p', '/p'],
    ['http://h', '/'],
    ['http://h?q=1', '/?q=1'],
    ['*', undefined],
    ['h/a', undefined],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(originForm(input), expected));
  }
});

describe('static:// and file:// routes', () => {
  test('mount static:// at / and file:// at its fragment', () => {
    const r = createRouter(['static://204', 'file:///srv/www#/docs/']);
    assert.deepEqual(r.routes.map((x) => [x.kind, x.path, x.staticStatus, x.fileRoot]), [
      ['static', '/', 204, ''],
      ['file', '/docs/', 0, '/srv/www'],
    ]);
  });
});
