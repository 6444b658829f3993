// OpenID Connect Back-Channel Logout with the real oidc-provider: the user ends their session at
// the IdP, the IdP posts a signed logout token to the proxy, and the session ends on both replicas.
// A forged token and a genuine token meant for another client are refused with 400.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { request } from 'undici';
import { createClient, parseForms } from '../support/http-client.js';
import { baseArgs, startProxy, type RunningProxy } from '../support/proxy.js';
import { freePort } from '../support/ports.js';
import { startRedis, until, type RedisServer } from '../support/redis.js';
import { startTwinStack, type TwinStack } from '../support/redis-stack.js';

describe('back-channel logout from the IdP', () => {
  let redis: RedisServer;
  let stack: TwinStack;
  let relay: Server;
  const delivered: Array<{ token: string; status: number }> = [];
  let proxyAPort = 0;

  before(async () => {
    redis = await startRedis();
    // The IdP posts to this relay, which keeps a copy of each genuine logout token for the checks
    // below and hands the request on to replica A.
    relay = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        const r = await request(`http://127.0.0.1:${proxyAPort}/oauth2/backchannel-logout`, {
          method: 'POST', headers: { 'content-type': String(req.headers['content-type']) }, body,
        });
        await r.body.dump();
        delivered.push({ token: new URLSearchParams(body).get('logout_token') ?? '', status: r.statusCode });
        res.writeHead(r.statusCode).end();
      });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/bcl`;
    stack = await startTwinStack({
      args: ['--session-store-type=redis', `--redis-connection-url=${redis.url}`, '--oidc-backchannel-logout'],
      idp: (ports) => {
        proxyAPort = ports.a;
        return { client: { backchannelLogoutUri: relayUrl } };
      },
    });
  });
  after(async () => {
    await stack?.close();
    await redis?.stop();
    relay?.close();
  });

  it('ends the session on both replicas when the user signs out at the IdP; forged or misdirected tokens get 400', async () => {
    const browser = createClient();
    const cookie = await stack.signIn(browser, stack.a, 'alice');
    const other = await stack.signIn(createClient(), stack.b, 'bob');
    assert.equal((await stack.get(stack.b, cookie)).status, 200);

    // The user signs out at the IdP itself (its end-session page, then "Yes, sign me out").
    const page = await browser.request(`${stack.idp.issuer}/session/end`);
    assert.equal(page.status, 200);
    const form = parseForms(page.body).find((f) => f.inputs.some((i) => i.name === 'xsrf'));
    assert.ok(form, 'the IdP shows its sign-out form');
    const fields = new URLSearchParams(form.inputs.map((i): [string, string] => [i.name, i.value]));
    fields.set('logout', 'yes');
    const confirmed = await browser.request(new URL(form.action, stack.idp.issuer), { method: 'POST', body: fields });
    assert.equal(confirmed.status, 303);

    await until('the IdP to deliver the logout token', async () => stack.idp.stats.backchannelLogouts + stack.idp.stats.backchannelLogoutErrors > 0, 10_000);
    assert.equal(stack.idp.stats.backchannelLogouts, 1);
    assert.deepEqual(delivered.map((d) => d.status), [200]);
    const genuine = decodeJwt(delivered[0]!.token);
    assert.equal(genuine.sub, 'alice');
    assert.equal(typeof genuine.sid, 'string');

    for (const proxy of [stack.a, stack.b]) {
      assert.equal((await stack.get(proxy, cookie, '/', { accept: 'application/json' })).status, 401);
    }
    // Bob's session is another IdP session: untouched.
    assert.equal((await stack.get(stack.a, other)).status, 200);

    // Same claims, signed by someone else's key under the IdP's key id: refused.
    const { privateKey } = await generateKeyPair('RS256');
    const header = JSON.parse(Buffer.from(delivered[0]!.token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const forged = await new SignJWT({ ...decodeJwt(delivered[0]!.token), sub: 'bob', sid: undefined })
      .setProtectedHeader({ alg: 'RS256', kid: header.kid, typ: 'logout+jwt' }).sign(privateKey);
    const r1 = await request(`${stack.a.url}/oauth2/backchannel-logout`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `logout_token=${forged}`,
    });
    assert.equal(r1.statusCode, 400);
    await r1.body.dump();
    assert.equal((await stack.get(stack.b, other)).status, 200);

    // The genuine token, sent to a proxy registered under another client id: wrong audience.
    let foreign: RunningProxy | undefined;
    try {
      foreign = await startProxy(
        baseArgs({ issuer: stack.idp.issuer, upstream: stack.echo.url, extra: ['--session-store-type=redis', `--redis-connection-url=${redis.url}`, '--oidc-backchannel-logout'] })
          .map((a) => (a === '--client-id=proxy' ? '--client-id=another-client' : a)),
        {}, await freePort(),
      );
      const r2 = await request(`${foreign.url}/oauth2/backchannel-logout`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `logout_token=${delivered[0]!.token}`,
      });
      assert.equal(r2.statusCode, 400);
      assert.match(await r2.body.text(), /aud/);
    } finally {
      await foreign?.close();
    }
  });
});
