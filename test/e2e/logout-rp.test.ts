// Sign-out that reaches beyond the browser: --backend-logout-url gets a GET with the ID token (its
// failure is only logged, never shown), --sign-out-all-sessions ends the user's other sessions on
// every replica, and --oidc-rp-initiated-logout sends the browser through the real IdP's
// end_session_endpoint with id_token_hint, ending the IdP session and coming back to the target.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createClient, header, isRedirect, parseForms, type ClientResponse, type HttpClient } from '../support/http-client.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { COOKIE, startTwinStack, type TwinStack } from '../support/redis-stack.js';

describe('sign-out at the provider', () => {
  let redis: RedisServer;
  let stack: TwinStack;
  let backend: Server;
  const backendCalls: string[] = [];
  let backendStatus = 200;

  before(async () => {
    redis = await startRedis();
    backend = createServer((req, res) => {
      backendCalls.push(req.url ?? '');
      res.writeHead(backendStatus).end();
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/logout?id_token_hint={id_token}`;
    stack = await startTwinStack({
      args: [
        '--session-store-type=redis', `--redis-connection-url=${redis.url}`,
        '--oidc-rp-initiated-logout', '--sign-out-all-sessions', `--backend-logout-url=${backendUrl}`,
      ],
    });
  });
  after(async () => {
    await stack?.close();
    await redis?.stop();
    backend?.close();
  });

  /** Follows redirects from `url` until a page that is not a redirect. */
  async function walk(client: HttpClient, url: string): Promise<ClientResponse> {
    let r = await client.request(url);
    for (let i = 0; i < 10 && isRedirect(r); i++) r = await client.request(new URL(header(r, 'location')!, r.url));
    return r;
  }

  it('ends every session of the user, calls the backend logout URL, and ends the IdP session', async () => {
    const browser = createClient();
    const laptop = await stack.signIn(browser, stack.a, 'alice');
    const phone = await stack.signIn(createClient(), stack.b, 'alice');
    const bob = await stack.signIn(createClient(), stack.b, 'bob');

    const out = await browser.request(`${stack.a.url}/oauth2/sign_out?rd=%2F`);
    assert.equal(out.status, 302);
    assert.ok(out.setCookies.some((c) => c.startsWith(`${COOKIE}=;`)));
    const end = new URL(header(out, 'location')!);
    assert.equal(`${end.origin}${end.pathname}`, `${stack.idp.issuer}/session/end`);
    assert.equal(end.searchParams.get('client_id'), 'proxy');
    assert.equal(end.searchParams.get('post_logout_redirect_uri'), `${stack.a.url}/`);
    const idToken = end.searchParams.get('id_token_hint')!;
    assert.equal(decodeJwt(idToken).sub, 'alice');

    // The backend logout URL got the same ID token.
    assert.equal(backendCalls.length, 1);
    assert.equal(new URL(backendCalls[0]!, 'http://x').searchParams.get('id_token_hint'), idToken);

    // Both of alice's sessions ended, on both replicas; bob's did not.
    for (const cookie of [laptop, phone]) {
      for (const proxy of [stack.a, stack.b]) assert.equal((await stack.get(proxy, cookie, '/', { accept: 'application/json' })).status, 401);
    }
    assert.equal((await stack.get(stack.a, bob)).status, 200);

    // At the IdP: confirm, and come back to the sign-out target.
    const confirm = await browser.request(end);
    const form = parseForms(confirm.body).find((f) => f.inputs.some((i) => i.name === 'xsrf'));
    assert.ok(form);
    const fields = new URLSearchParams(form.inputs.map((i): [string, string] => [i.name, i.value]));
    fields.set('logout', 'yes');
    const done = await browser.request(new URL(form.action, stack.idp.issuer), { method: 'POST', body: fields });
    assert.ok(isRedirect(done));
    assert.ok(header(done, 'location')!.startsWith(`${stack.a.url}/`));

    // The IdP session is gone: signing in again asks for the password instead of passing through.
    const again = await walk(browser, `${stack.a.url}/oauth2/start?rd=%2F`);
    assert.ok(parseForms(again.body).some((f) => f.inputs.some((i) => i.type === 'password')), 'the IdP asks for credentials again');
  });

  it('signs out even when the backend logout URL fails, and logs no token', async () => {
    backendStatus = 500;
    const cookie = await stack.signIn(createClient(), stack.b, 'bob');
    const before = backendCalls.length;
    const out = await stack.get(stack.b, cookie, '/oauth2/sign_out');
    assert.equal(out.status, 302);
    assert.equal(backendCalls.length, before + 1);
    assert.equal((await stack.get(stack.a, cookie, '/', { accept: 'application/json' })).status, 401);
    const warning = stack.b.logs.find((l) => l.msg === 'backend logout answered with an unexpected status');
    assert.equal(warning?.status, 500);
    const token = new URL(backendCalls.at(-1)!, 'http://x').searchParams.get('id_token_hint')!;
    assert.ok(token.length > 20);
    assert.equal(stack.b.logText().includes(token), false);
  });
});
