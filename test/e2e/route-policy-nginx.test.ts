// --policy-file behind a real nginx using auth_request: /oauth2/auth decides on the original
// request nginx describes (X-Forwarded-Uri, X-Forwarded-Method), 401 for "sign in first" (nginx
// sends the browser to the provider) and 403 for a denial.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { header, signIn, type HttpClient } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';
import { oauth2Locations, startNginx, type RunningNginx } from '../support/nginx.js';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';

const POLICY = `
routes:
  - id: assets
    path: /static/
    methods: [GET, HEAD]
    allowPublic: true
  - id: admin
    path: /admin/
    allow: { groups: [admins] }
  - id: home
    path: /
    methods: [GET]
    allow: { authenticated: true }
`;

function serverBody(proxyPort: number, echoPort: number): string {
  return `${oauth2Locations(proxyPort)}
    location / {
      auth_request /oauth2/auth;
      error_page 401 = /oauth2/start?rd=$request_uri;
      auth_request_set $email $upstream_http_x_auth_request_email;
      proxy_set_header X-Email $email;
      proxy_pass http://127.0.0.1:${echoPort};
    }
  `;
}

describe('per-route policy through nginx auth_request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'route-policy-nginx-'));
  let s: Stack;
  let nginx: RunningNginx;
  before(async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, POLICY);
    s = await startStack({ args: ['--reverse-proxy=true', '--trusted-proxy-ip=127.0.0.1', '--set-xauthrequest=true', `--policy-file=${file}`] });
    nginx = await startNginx(() => serverBody(s.proxy.port, s.echo.port));
  });
  after(async () => {
    await nginx?.close();
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(username: string): Promise<HttpClient> {
    const client = s.newClient();
    const { response } = await signIn(client, { startUrl: `${nginx.url}/home`, username, password: DEMO_PASSWORD });
    assert.equal(response.status, 302, nginx.errorLog());
    return client;
  }

  it('serves the public route to anyone and sends an anonymous visitor of a protected one to the provider', async () => {
    const open = await s.newClient().request(`${nginx.url}/static/app.js`);
    assert.equal(open.status, 200, nginx.errorLog());
    assert.equal((JSON.parse(open.body) as { url: string }).url, '/static/app.js');
    const closed = await s.newClient().request(`${nginx.url}/admin/`);
    assert.equal(closed.status, 302);
    assert.ok(header(closed, 'location')!.startsWith(s.idp.issuer));
  });

  it('answers 403 for a signed-in user outside the group and 202 → 200 for a member', async () => {
    const bob = await signedIn('bob');
    const before = s.echo.requests.length;
    assert.equal((await bob.request(`${nginx.url}/admin/settings`)).status, 403);
    assert.equal(s.echo.requests.length, before, 'the upstream never saw it');
    const home = await bob.request(`${nginx.url}/home`);
    assert.equal(home.status, 200);
    assert.equal((JSON.parse(home.body) as { headers: Record<string, string> }).headers['x-email'], 'bob@example.com');

    const alice = await signedIn('alice');
    const admin = await alice.request(`${nginx.url}/admin/settings`);
    assert.equal(admin.status, 200);
    assert.equal((JSON.parse(admin.body) as { headers: Record<string, string> }).headers['x-email'], 'alice@example.com');
    // The auth log names the rule for the denied check.
    assert.ok(s.proxy.logs.some((l) => l.stream === 'auth' && /rule admin\): matched routes\[1\] \(admin\): user is in none of groups \[admins\]/.test(String(l.reason))), s.proxy.logText());
  });

  it('denies what no route matches (403, not a sign-in), and crafted paths', async () => {
    const before = s.echo.requests.length;
    assert.equal((await s.newClient().request(`${nginx.url}/static/app.js`, { method: 'POST', body: 'x' })).status, 403);
    for (const path of ['/static/..%2Fadmin/x', '/static/%2e%2e/admin/x', '/static/..;/admin/x']) {
      const r = await rawRequest(nginx.port, { path });
      assert.equal(r.status, 403, `${path} → ${r.status}`);
    }
    assert.equal(s.echo.requests.length, before);
  });

  it('decides on the described request only when a trusted gateway describes it', async () => {
    const ask = (headers: Record<string, string>) => rawRequest(s.proxy.port, { path: '/oauth2/auth', headers });
    assert.equal((await ask({ 'X-Forwarded-Uri': '/static/x' })).status, 202);
    assert.equal((await ask({ 'X-Forwarded-Uri': '/admin/x' })).status, 401);
    assert.equal((await ask({ 'X-Forwarded-Uri': '/static/x', 'X-Forwarded-Method': 'PUT' })).status, 403);
    // Without a described request, no route with a path condition may decide: denied.
    assert.equal((await ask({})).status, 403);
  });
});
