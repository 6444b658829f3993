// Skip-auth routes, preflight, trusted IPs, API routes and health-check agents, end to end, and
// every known way around them: encoded slashes and dots, `..;`, double encoding, fragments, queries,
// method case, and X-Forwarded-Uri / X-Real-IP from a peer that is not a trusted proxy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';
import { startTestIdp } from '../support/idp.js';
import { baseArgs, startProxy } from '../support/proxy.js';

// The test process talks from 127.0.0.1 (an ordinary client) and from 127.0.0.2 (the trusted
// gateway); 127.0.0.3 is a trusted client address.
const CLIENT = '127.0.0.1';
const GATEWAY = '127.0.0.2';

const BYPASSES = [
  '/public/../admin', '/public/..%2Fadmin', '/public%2F..%2Fadmin', '/public/%2e%2e/admin', '/public/%2E%2E%2fadmin',
  '/public/.%2e/admin', '/public/%252e%252e/admin', '/public/..;/admin', '/public/;/../admin', '//public/../admin',
  '/admin#/public/', '/admin%23/public/', '/admin?x=/public/', '/admin?/public/', '/admin/%3F/public/', '/public\\..\\admin', '/public%5c..%5cadmin',
];

describe('skip-auth rules and forwarded requests', () => {
  let s: Stack;
  let cookie: string;
  before(async () => {
    s = await startStack({
      args: [
        '--skip-auth-route=GET=^/public/', '--skip-auth-regex=^/assets/', '--skip-auth-preflight=true', '--api-route=^/api/',
        '--trusted-ip=127.0.0.3', '--reverse-proxy=true', `--trusted-proxy-ip=${GATEWAY}`, '--ping-user-agent=probe/1.0',
        '--set-xauthrequest=true',
      ],
    });
    const client = s.newClient();
    await s.signIn(client, 'alice');
    cookie = client.cookieHeader(s.proxy.url);
  });
  after(() => s.close());

  const get = (path: string, o: { method?: string; headers?: Record<string, string>; from?: string } = {}) =>
    rawRequest(s.proxy.port, { path, method: o.method, headers: o.headers, localAddress: o.from ?? CLIENT });

  it('lets a skip route through without identity, with client identity headers stripped', async () => {
    const r = await get('/public/page', { headers: { 'X-Forwarded-User': 'mallory', x_forwarded_email: 'm@evil', 'X-Auth-Request-User': 'mallory' } });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/public/page');
    for (const h of ['x-forwarded-user', 'x-forwarded-email', 'x-auth-request-user', 'x_forwarded_email']) assert.equal(seen.headers[h], undefined, h);
  });

  it('passes the identity on a skip route when a session exists', async () => {
    const r = await get('/public/page', { headers: { cookie, 'X-Forwarded-User': 'mallory' } });
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { headers: Record<string, string> }).headers['x-forwarded-user'], 'alice');
  });

  it('matches the decoded path (escapes of plain characters)', async () => {
    assert.equal((await get('/p%75blic/page')).status, 200);
    assert.equal((await get('/assets/app.js', { method: 'DELETE' })).status, 200);
  });

  for (const path of BYPASSES) {
    it(`refuses ${path}`, async () => {
      const before = s.echo.requests.length;
      const r = await get(path);
      assert.equal(r.status, 403, `${path} → ${r.status}`);
      assert.equal(s.echo.requests.length, before, 'nothing reached the upstream');
    });
  }

  it('refuses the skip route for another method', async () => {
    assert.equal((await get('/public/page', { method: 'POST' })).status, 403);
    assert.equal((await get('/public/page', { method: 'HEAD' })).status, 403);
  });

  it('lets CORS preflight through (--skip-auth-preflight)', async () => {
    assert.equal((await get('/admin', { method: 'OPTIONS' })).status, 200);
  });

  it('answers API routes with 401 JSON', async () => {
    const r = await get('/api/things');
    assert.equal(r.status, 401);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.equal((JSON.parse(r.body) as { code: string }).code, 'UNAUTHORIZED');
  });

  it('lets a trusted client IP through, but never one named by an untrusted peer', async () => {
    assert.equal((await get('/admin', { from: '127.0.0.3' })).status, 200);
    assert.equal((await get('/admin', { headers: { 'X-Real-IP': '127.0.0.3' } })).status, 403);
  });

  it('answers the ping path as a probe only for the health-check agent, and opens nothing else', async () => {
    assert.equal((await get('/ping', { headers: { 'User-Agent': 'probe/1.0' } })).status, 200);
    assert.equal((await get('/ping', { headers: { 'User-Agent': 'curl/8' } })).status, 403);
    assert.equal((await get('/admin', { headers: { 'User-Agent': 'probe/1.0' } })).status, 403);
    assert.equal((await get('/oauth2/auth', { headers: { 'User-Agent': 'probe/1.0' } })).status, 401);
  });

  describe('/oauth2/auth', () => {
    const auth = (headers: Record<string, string>, from: string, path = '/oauth2/auth') => get(path, { headers, from });

    it('ignores X-Forwarded-Uri and X-Forwarded-Method from an untrusted peer', async () => {
      assert.equal((await auth({ 'X-Forwarded-Uri': '/public/page' }, CLIENT)).status, 401);
      assert.equal((await auth({ 'X-Forwarded-Uri': '/public/page', 'X-Forwarded-Method': 'GET' }, CLIENT)).status, 401);
      assert.equal((await auth({}, CLIENT, '/oauth2/auth/public/page')).status, 401);
    });

    it('applies no path rule when the gateway does not say which request it asks about', async () => {
      const idp = await startTestIdp();
      const p = await startProxy([...baseArgs({ issuer: idp.issuer, upstream: s.echo.url }), '--skip-auth-route=!=^/admin', '--reverse-proxy=true', '--trusted-proxy-ip=127.0.0.1']);
      try {
        assert.equal((await rawRequest(p.port, { path: '/oauth2/auth' })).status, 401);
        assert.equal((await rawRequest(p.port, { path: '/oauth2/auth', headers: { 'X-Forwarded-Uri': '/page' } })).status, 202);
        assert.equal((await rawRequest(p.port, { path: '/oauth2/auth', headers: { 'X-Forwarded-Uri': '/admin' } })).status, 401);
      } finally {
        await p.close();
        await idp.close();
      }
    });

    it('accepts a skip route the trusted gateway asks about', async () => {
      const r = await auth({ 'X-Forwarded-Uri': '/public/page', 'X-Forwarded-Method': 'GET' }, GATEWAY);
      assert.equal(r.status, 202);
      assert.equal(r.headers['x-auth-request-user'], undefined);
    });

    it('accepts Envoy-style check paths from the trusted gateway', async () => {
      assert.equal((await auth({}, GATEWAY, '/oauth2/auth/public/page?x=1')).status, 202);
      assert.equal((await auth({}, GATEWAY, '/oauth2/auth/admin')).status, 401);
    });

    for (const path of BYPASSES) {
      it(`refuses a forwarded ${path}`, async () => {
        assert.equal((await auth({ 'X-Forwarded-Uri': path, 'X-Forwarded-Method': 'GET' }, GATEWAY)).status, 401);
      });
    }

    it('compares the forwarded method exactly', async () => {
      for (const method of ['get', 'Get', 'POST', 'GET / HTTP/1.1']) {
        assert.equal((await auth({ 'X-Forwarded-Uri': '/public/page', 'X-Forwarded-Method': method }, GATEWAY)).status, 401, method);
      }
    });

    it('answers a signed-in user with 202 and the identity headers', async () => {
      const r = await auth({ cookie, 'X-Forwarded-Uri': '/admin' }, GATEWAY);
      assert.equal(r.status, 202);
      assert.equal(r.headers['x-auth-request-user'], 'alice');
      assert.equal(r.headers['x-auth-request-email'], 'alice@example.com');
      assert.equal(r.headers['gap-auth'], 'alice@example.com');
    });
  });
});

describe('--gcp-healthchecks', () => {
  it('answers Google health checks on their paths only, and never opens another path', async () => {
    const idp = await startTestIdp();
    const proxy = await startProxy([...baseArgs({ issuer: idp.issuer, upstream: 'static://200' }), '--gcp-healthchecks=true']);
    try {
      const get = (path: string, ua?: string) => rawRequest(proxy.port, { path, headers: ua ? { 'User-Agent': ua } : {} });
      assert.equal((await get('/liveness_check', 'GoogleHC/1.0')).status, 200);
      assert.equal((await get('/ping', 'GoogleHC/1.0')).status, 200);
      assert.equal((await get('/readiness_check')).status, 200);
      assert.equal((await get('/liveness_check')).status, 403);
      assert.equal((await get('/ping')).status, 403);
      assert.equal((await get('/admin', 'GoogleHC/1.0')).status, 403);
    } finally {
      await proxy.close();
      await idp.close();
    }
  });
});
