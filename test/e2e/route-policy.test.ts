// --policy-file end to end: a real IdP (alice is in admins and developers, bob in developers only),
// the echo upstream, and the proxy deciding per route; report-only mode; the explain endpoint;
// websocket upgrades.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { header, type HttpClient } from '../support/http-client.js';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';

const dir = mkdtempSync(join(tmpdir(), 'route-policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

export const POLICY = `
routes:
  - id: assets
    path: /static/
    methods: [GET, HEAD]
    allowPublic: true
  - id: admin
    path: /admin/
    allow:
      groups: [admins]
      domains: [example.com]
  - id: home
    path: /
    methods: [GET]
    allow: { authenticated: true }
`;

export function policyFile(text = POLICY): string {
  const p = join(dir, `policy-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(p, text);
  return p;
}

interface Seen { url: string; headers: Record<string, string> }
const seen = (body: string) => JSON.parse(body) as Seen;

/** The status a websocket upgrade is answered with when refused (or 101). */
function upgradeStatus(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: cookie ? { cookie } : {} });
    ws.on('error', () => {});
    ws.once('open', () => { ws.close(); resolve(101); });
    ws.once('unexpected-response', (_req, res) => { res.resume(); resolve(res.statusCode ?? 0); });
    ws.once('close', () => reject(new Error('closed without an answer')));
  });
}

describe('per-route policy through the proxy', () => {
  let s: Stack;
  let alice: HttpClient;
  let bob: HttpClient;
  before(async () => {
    s = await startStack({ args: [`--policy-file=${policyFile()}`, '--policy-explain', '--pass-user-headers=true', '--skip-provider-button=true'] });
    alice = s.newClient();
    bob = s.newClient();
    assert.equal((await s.signIn(alice, 'alice')).response.status, 200);
    assert.equal((await s.signIn(bob, 'bob')).response.status, 200);
  });
  after(async () => { await s?.close(); });

  it('serves a public route without a session, and passes the identity when there is one', async () => {
    const anon = await s.newClient().request(`${s.proxy.url}/static/app.js`);
    assert.equal(anon.status, 200);
    assert.equal(seen(anon.body).url, '/static/app.js');
    assert.equal(seen(anon.body).headers['x-forwarded-email'], undefined);
    const signedIn = await alice.request(`${s.proxy.url}/static/app.js`);
    assert.equal(seen(signedIn.body).headers['x-forwarded-email'], 'alice@example.com');
  });

  it('sends an anonymous visitor of a protected route to sign in', async () => {
    const r = await s.newClient().request(`${s.proxy.url}/admin/`);
    assert.equal(r.status, 302);
    assert.ok(header(r, 'location')!.startsWith(s.idp.issuer));
  });

  it('refuses the admin route to a user outside the group, with the reasons in the auth log only', async () => {
    const before = s.echo.requests.length;
    const r = await bob.request(`${s.proxy.url}/admin/settings`, { headers: { 'X-Request-Id': 'policy-bob-1' } });
    assert.equal(r.status, 403);
    assert.equal(s.echo.requests.length, before, 'the upstream never saw it');
    assert.doesNotMatch(r.body, /admins|routes\[|matched/);
    const line = s.proxy.logs.find((l) => l.request_id === 'policy-bob-1' && l.stream === 'auth');
    assert.ok(line, s.proxy.logText());
    assert.match(String(line.reason), /forbidden by --policy-file \(GET \/admin\/settings, rule admin\): matched routes\[1\] \(admin\): user is in none of groups \[admins\]/);
    // The session was not ended: bob still reaches what he may.
    assert.equal((await bob.request(`${s.proxy.url}/home`)).status, 200);
  });

  it('lets a member of the group through, /admin included', async () => {
    for (const path of ['/admin/settings', '/admin']) {
      const r = await alice.request(`${s.proxy.url}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(seen(r.body).url, path);
      assert.equal(seen(r.body).headers['x-forwarded-email'], 'alice@example.com');
    }
  });

  it('denies what no route matches, signed in or not', async () => {
    const before = s.echo.requests.length;
    assert.equal((await alice.request(`${s.proxy.url}/home`, { method: 'POST', body: 'x' })).status, 403);
    assert.equal((await s.newClient().request(`${s.proxy.url}/static/app.js`, { method: 'DELETE' })).status, 403);
    assert.equal(s.echo.requests.length, before);
  });

  it('keeps crafted paths away from the public route and from anyone outside the group', async () => {
    const before = s.echo.requests.length;
    const cookie = bob.cookieHeader(s.proxy.url);
    for (const path of ['/static/..%2Fadmin/x', '/static/%2e%2e/admin/x', '/static/..;/admin/x', '/static//../admin/x', '/static/%2E%2E%2fadmin/x']) {
      const anon = await rawRequest(s.proxy.port, { path });
      assert.equal(anon.status, 403, `anonymous ${path} → ${anon.status}`);
      const signedIn = await rawRequest(s.proxy.port, { path, headers: { cookie } });
      assert.equal(signedIn.status, 403, `bob ${path} → ${signedIn.status}`);
    }
    // Escapes of ordinary characters are read as those characters.
    assert.equal((await rawRequest(s.proxy.port, { path: '/%61dmin/x', headers: { cookie } })).status, 403);
    assert.equal(s.echo.requests.length, before);
    assert.equal((await rawRequest(s.proxy.port, { path: '/st%61tic/x' })).status, 200);
  });

  it('refuses websocket upgrades the same way', async () => {
    const ws = `ws://127.0.0.1:${s.proxy.port}`;
    assert.equal(await upgradeStatus(`${ws}/admin/socket`, bob.cookieHeader(s.proxy.url)), 403);
    assert.equal(await upgradeStatus(`${ws}/admin/socket`, ''), 401);
    assert.equal(await upgradeStatus(`${ws}/nowhere/socket`, ''), 401, 'GET / covers it: sign-in first');
    assert.equal(await upgradeStatus(`${ws}/admin/socket`, alice.cookieHeader(s.proxy.url)), 101);
  });

  it('explains decisions to a signed-in caller, for them or a hypothetical user', async () => {
    const explain = (client: HttpClient, q: string) => client.request(`${s.proxy.url}/oauth2/policy/explain?${q}`);
    const own = await explain(bob, 'url=' + encodeURIComponent('http://app.example.com:8080/admin/x?y=1'));
    assert.equal(own.status, 200);
    assert.match(String(header(own, 'cache-control')), /no-cache|no-store/);
    const { user, ...decision } = JSON.parse(own.body);
    assert.deepEqual(decision, {
      url: 'http://app.example.com:8080/admin/x?y=1', method: 'GET', host: 'app.example.com', path: '/admin/x',
      rule: 'admin', effect: 'deny', reasons: ['matched routes[1] (admin): user is in none of groups [admins]'],
    });
    assert.deepEqual({ ...user, user: undefined }, { user: undefined, email: 'bob@example.com', groups: ['developers'], hypothetical: false });
    const what = JSON.parse((await explain(bob, 'url=/admin/x&email=carol@example.com&groups=ops,admins')).body);
    assert.equal(what.effect, 'allow');
    assert.deepEqual(what.user, { user: 'carol@example.com', email: 'carol@example.com', groups: ['ops', 'admins'], hypothetical: true });
    const post = JSON.parse((await explain(alice, 'url=/home&method=POST')).body);
    assert.deepEqual([post.effect, post.rule, post.reasons], ['deny', null, ['no rule matched: denied by default']]);
    const anonymousView = JSON.parse((await explain(alice, 'url=/static/x')).body);
    assert.equal(anonymousView.effect, 'public');

    assert.equal((await explain(s.newClient(), 'url=/admin/')).status, 401);
    assert.equal((await explain(alice, 'url=admin')).status, 400);
  });
});

describe('report-only mode', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ args: [`--policy-file=${policyFile()}`, '--policy-report-only', '--skip-provider-button=true'] });
  });
  after(async () => { await s?.close(); });

  it('lets a denied request through and logs what the table would have done', async () => {
    const bob = s.newClient();
    await s.signIn(bob, 'bob');
    const r = await bob.request(`${s.proxy.url}/admin/settings`, { headers: { 'X-Request-Id': 'report-only-1' } });
    assert.equal(r.status, 200);
    assert.equal(seen(r.body).url, '/admin/settings');
    const line = s.proxy.logs.find((l) => l.request_id === 'report-only-1' && l.msg === 'policy would deny');
    assert.ok(line, s.proxy.logText());
    assert.deepEqual({ user: line.user, method: line.method, path: line.path, rule: line.rule, reasons: line.reasons },
      { user: 'bob@example.com', method: 'GET', path: '/admin/settings', rule: 'admin', reasons: ['matched routes[1] (admin): user is in none of groups [admins]'] });
  });

  it('still asks for a sign-in where the proxy would without a table, public routes included', async () => {
    assert.equal((await s.newClient().request(`${s.proxy.url}/static/app.js`)).status, 302);
  });

  it('has no explain endpoint without --policy-explain', async () => {
    const alice = s.newClient();
    await s.signIn(alice, 'alice');
    assert.equal((await alice.request(`${s.proxy.url}/oauth2/policy/explain?url=/`)).status, 404);
  });
});
