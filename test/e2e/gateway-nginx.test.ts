// A real nginx in front of the echo upstream, asking the proxy through auth_request, configured as
// docs/gateways.md shows: 401 → /oauth2/start?rd=…, identity headers and refreshed cookies copied
// with auth_request_set.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { header, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';
import { oauth2Locations, startNginx, type RunningNginx } from '../support/nginx.js';
import { startStack, type Stack } from '../support/stack.js';

function serverBody(proxyPort: number, echoPort: number): string {
  return `${oauth2Locations(proxyPort)}
    location / {
      auth_request /oauth2/auth;
      error_page 401 = /oauth2/start?rd=$request_uri;
      auth_request_set $user $upstream_http_x_auth_request_user;
      auth_request_set $email $upstream_http_x_auth_request_email;
      auth_request_set $groups $upstream_http_x_auth_request_groups;
      proxy_set_header X-User $user;
      proxy_set_header X-Email $email;
      proxy_set_header X-Groups $groups;
      auth_request_set $auth_cookie $upstream_http_set_cookie;
      add_header Set-Cookie $auth_cookie;
      proxy_pass http://127.0.0.1:${echoPort};
    }
  `;
}

describe('nginx auth_request in front of the echo upstream', () => {
  let s: Stack;
  let nginx: RunningNginx;
  before(async () => {
    s = await startStack({
      args: [
        '--reverse-proxy=true', '--trusted-proxy-ip=127.0.0.1', '--set-xauthrequest=true',
        '--skip-auth-route=GET=^/public/', '--cookie-refresh=1ms',
      ],
    });
    nginx = await startNginx(() => serverBody(s.proxy.port, s.echo.port));
  });
  after(async () => {
    await nginx?.close();
    await s?.close();
  });

  it('sends an anonymous browser through the provider and back, then passes the identity', async () => {
    const client = s.newClient();
    const first = await client.request(`${nginx.url}/page?a=1`);
    assert.equal(first.status, 302, nginx.errorLog());
    assert.ok(header(first, 'location')!.startsWith(s.idp.issuer), 'sent to the provider');
    // The original URI, query included, rides in the state to come back to after sign-in.
    assert.match(new URL(header(first, 'location')!).searchParams.get('state') ?? '', /:\/page\?a=1$/);

    const { response: callback } = await signIn(client, { startUrl: `${nginx.url}/page`, username: 'alice', password: DEMO_PASSWORD });
    assert.equal(callback.status, 302);
    assert.equal(header(callback, 'location'), '/page');
    assert.ok(callback.setCookies.some((c) => c.startsWith('_oauth2_proxy=')), 'session cookie set through nginx');

    const refreshesBefore = s.idp.stats.refreshRequests;
    const page = await client.request(`${nginx.url}/page`);
    assert.equal(page.status, 200, nginx.errorLog());
    const seen = JSON.parse(page.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/page');
    assert.equal(seen.headers['x-user'], 'alice');
    assert.equal(seen.headers['x-email'], 'alice@example.com');
    assert.equal(seen.headers['x-groups'], 'admins,developers');

    // --cookie-refresh=1ms: the check refreshed the session, and nginx relayed the new cookie.
    assert.ok(s.idp.stats.refreshRequests > refreshesBefore, 'the provider saw a refresh');
    assert.ok(page.setCookies.some((c) => c.startsWith('_oauth2_proxy=')), 'refreshed cookie relayed by nginx');
    const again = await client.request(`${nginx.url}/page`);
    assert.equal(again.status, 200);
  });

  it('honours X-Auth-Request-Redirect when no rd is given', async () => {
    const r = await s.newClient().request(`${s.proxy.url}/oauth2/start`, { headers: { 'X-Auth-Request-Redirect': '/from-gateway?x=1' } });
    assert.equal(r.status, 302);
    assert.match(new URL(header(r, 'location')!).searchParams.get('state') ?? '', /:\/from-gateway\?x=1$/);
  });

  it('lets a skip-auth route through nginx without a session', async () => {
    const r = await s.newClient().request(`${nginx.url}/public/x`);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { headers: Record<string, string> }).headers['x-user'], undefined);
  });

  it('keeps bypass attempts out', async () => {
    for (const path of ['/public/..%2Fadmin', '/public/%2e%2e/admin', '/public/..;/admin', '/admin%23/public/', '/admin?x=/public/']) {
      const before = s.echo.requests.length;
      const r = await s.newClient().request(`${nginx.url}${path}`);
      assert.equal(r.status, 302, `${path} → ${r.status}`);
      assert.equal(s.echo.requests.length, before, `${path} reached the upstream`);
    }
  });
});
