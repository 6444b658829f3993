// A websocket is authenticated once, at its upgrade; these check that it does not outlive its
// session: a sign-out through the proxy, the cookie's expiry, a back-channel logout from the IdP
// (Redis sessions), and with Redis sessions a sign-out or revocation through another replica.
// Websockets of other sessions stay open each time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { EchoUpstream } from '../support/echo-upstream.js';
import { createClient, parseForms } from '../support/http-client.js';
import { startRedis, until, type RedisServer } from '../support/redis.js';
import { COOKIE, startTwinStack, type TwinStack } from '../support/redis-stack.js';
import { startStack, type Stack } from '../support/stack.js';
import { signedValueTimeMs } from '../../src/session/signed-value.js';
import { baseArgs, startProxy } from '../support/proxy.js';

interface OpenSocket {
  ws: WebSocket;
  /** Resolves with the time the client saw the close. */
  closed: Promise<number>;
  /** Resolves once the upstream's end of the tunnel closed. */
  upstreamClosed: Promise<void>;
}

let opened = 0;

async function openSocket(port: number, echo: EchoUpstream, cookie: string): Promise<OpenSocket> {
  const path = `/socket/${++opened}`;
  const upstreamClosed = new Promise<void>((resolve) => {
    const on = (r: { url: string }) => {
      if (r.url !== path) return;
      echo.events.off('ws-close', on);
      resolve();
    };
    echo.events.on('ws-close', on);
  });
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { cookie } });
  const closed = new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now())));
  // The ws client raises 'error' on an abrupt close; the close itself is what the tests look at.
  ws.on('error', () => {});
  const handshake = await new Promise<{ url: string }>((resolve, reject) => {
    ws.once('message', (m) => resolve(JSON.parse(m.toString())));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
    ws.once('close', () => reject(new Error('closed before the handshake message')));
  });
  assert.equal(handshake.url, path);
  await echoBack(ws);
  return { ws, closed, upstreamClosed };
}

async function echoBack(ws: WebSocket): Promise<void> {
  assert.equal(ws.readyState, WebSocket.OPEN, 'the websocket is still open');
  const text = `ping-${Math.random()}`;
  const back = new Promise<string>((resolve) => ws.once('message', (m) => resolve(m.toString())));
  ws.send(text);
  assert.equal(await within(back, 2_000, 'the echo'), text);
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('websockets end with their cookie session', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({});
  });
  after(() => s?.close());

  async function session(user: string): Promise<string> {
    const client = s.newClient();
    await s.signIn(client, user);
    return client.cookieHeader(s.proxy.url);
  }

  it('closes the websocket of a session signed out through the proxy, and only that one', async () => {
    const [alice1, alice2, bob] = [await session('alice'), await session('alice'), await session('bob')];
    const a1 = await openSocket(s.proxy.port, s.echo, alice1);
    const a2 = await openSocket(s.proxy.port, s.echo, alice2);
    const b = await openSocket(s.proxy.port, s.echo, bob);

    const out = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_out`, { headers: { cookie: alice1 } });
    assert.equal(out.status, 302);
    await within(a1.closed, 2_000, 'the signed-out session\'s websocket to close');
    await within(a1.upstreamClosed, 2_000, 'the upstream end of the tunnel to close');

    // Another session of the same user, and another user's: untouched.
    await echoBack(a2.ws);
    await echoBack(b.ws);
    a2.ws.close();
    b.ws.close();
  });
});

describe('websockets end with their cookie session after it was refreshed', () => {
  let s: Stack;
  before(async () => {
    // Every request after sign-in refreshes, so each one gets a new cookie value.
    s = await startStack({ args: ['--cookie-refresh=1ms'] });
  });
  after(() => s?.close());

  it('closes the websocket opened with an earlier cookie when the session signs out with a refreshed one', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const opening = client.cookieHeader(s.proxy.url);
    const ws = await openSocket(s.proxy.port, s.echo, opening);
    const other = s.newClient();
    await s.signIn(other, 'alice');
    const otherWs = await openSocket(s.proxy.port, s.echo, other.cookieHeader(s.proxy.url));

    const r = await client.request(`${s.proxy.url}/page`);
    assert.equal(r.status, 200);
    assert.ok(r.setCookies.some((c) => c.startsWith(`${COOKIE}=`)), 'the request refreshed the session cookie');
    const refreshed = client.cookieHeader(s.proxy.url);
    assert.notEqual(refreshed, opening);

    assert.equal((await s.anonymous.request(`${s.proxy.url}/oauth2/sign_out`, { headers: { cookie: refreshed } })).status, 302);
    await within(ws.closed, 2_000, 'the websocket opened before the refresh to close');
    await echoBack(otherWs.ws);
    otherWs.ws.close();
  });
});

describe('websockets end when the session cookie expires', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ args: ['--cookie-expire=3s'] });
  });
  after(() => s?.close());

  it('closes the websocket when its cookie stops being valid, not before, and not another session\'s', async () => {
    const client1 = s.newClient();
    await s.signIn(client1, 'alice');
    const cookie1 = client1.cookieHeader(s.proxy.url);
    const signedAt1 = signedValueTimeMs(client1.cookies.get(`127.0.0.1:${s.proxy.port}`)!.get(COOKIE)!)!;
    const first = await openSocket(s.proxy.port, s.echo, cookie1);

    // The signed timestamp counts whole seconds: a second session signed a second later ends later.
    const wait = signedAt1 + 1_000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const client2 = s.newClient();
    await s.signIn(client2, 'bob');
    const signedAt2 = signedValueTimeMs(client2.cookies.get(`127.0.0.1:${s.proxy.port}`)!.get(COOKIE)!)!;
    assert.ok(signedAt2 > signedAt1);
    const second = await openSocket(s.proxy.port, s.echo, client2.cookieHeader(s.proxy.url));

    const closedAt = await within(first.closed, 6_000, 'the expired session\'s websocket to close');
    assert.ok(closedAt >= signedAt1 + 3_000 - 50, `closed ${signedAt1 + 3_000 - closedAt} ms before the cookie expired`);
    assert.ok(closedAt <= signedAt1 + 3_000 + 1_000, `closed ${closedAt - signedAt1 - 3_000} ms after the cookie expired`);
    await within(first.upstreamClosed, 2_000, 'the upstream end of the tunnel to close');

    if (Date.now() < signedAt2 + 3_000 - 100) await echoBack(second.ws);
    const closedAt2 = await within(second.closed, 6_000, 'the second websocket to close at its own expiry');
    assert.ok(closedAt2 >= signedAt2 + 3_000 - 50);
  });
});

describe('websockets end with their Redis session', () => {
  let redis: RedisServer;
  let stack: TwinStack;
  const cookieOf = (value: string) => `${COOKIE}=${value}`;
  const REDIS_ARGS = () => ['--session-store-type=redis', `--redis-connection-url=${redis.url}`];

  before(async () => {
    redis = await startRedis();
    stack = await startTwinStack({
      args: [...REDIS_ARGS(), '--oidc-backchannel-logout'],
      idp: (ports) => ({ client: { backchannelLogoutUri: `http://127.0.0.1:${ports.a}/oauth2/backchannel-logout` } }),
    });
  });
  after(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('closes the websocket of a ticket signed out through the proxy, and only that one', async () => {
    const alice1 = await stack.signIn(createClient(), stack.a, 'alice');
    const alice2 = await stack.signIn(createClient(), stack.a, 'alice');
    const a1 = await openSocket(stack.a.port, stack.echo, cookieOf(alice1));
    const a2 = await openSocket(stack.a.port, stack.echo, cookieOf(alice2));

    const out = await stack.get(stack.a, alice1, '/oauth2/sign_out');
    assert.equal(out.status, 302);
    await within(a1.closed, 2_000, 'the signed-out session\'s websocket to close');
    await within(a1.upstreamClosed, 2_000, 'the upstream end of the tunnel to close');
    await echoBack(a2.ws);
    a2.ws.close();
  });

  it('closes the websockets of an IdP session ended by back-channel logout, and not another user\'s', async () => {
    const browser = createClient();
    const alice = await stack.signIn(browser, stack.a, 'alice');
    const bob = await stack.signIn(createClient(), stack.a, 'bob');
    const a = await openSocket(stack.a.port, stack.echo, cookieOf(alice));
    const b = await openSocket(stack.a.port, stack.echo, cookieOf(bob));

    // The user signs out at the IdP itself, which posts the logout token to replica A.
    const page = await browser.request(`${stack.idp.issuer}/session/end`);
    const form = parseForms(page.body).find((f) => f.inputs.some((i) => i.name === 'xsrf'));
    assert.ok(form, 'the IdP shows its sign-out form');
    const fields = new URLSearchParams(form.inputs.map((i): [string, string] => [i.name, i.value]));
    fields.set('logout', 'yes');
    assert.equal((await browser.request(new URL(form.action, stack.idp.issuer), { method: 'POST', body: fields })).status, 303);
    await until('the IdP to deliver the logout token', async () => stack.idp.stats.backchannelLogouts + stack.idp.stats.backchannelLogoutErrors > 0, 10_000);
    assert.equal(stack.idp.stats.backchannelLogouts, 1);

    await within(a.closed, 2_000, 'the logged-out session\'s websocket to close');
    await within(a.upstreamClosed, 2_000, 'the upstream end of the tunnel to close');
    await echoBack(b.ws);
    b.ws.close();
  });

  it('closes a websocket held by another replica when its session is signed out through this one', async () => {
    const alice = await stack.signIn(createClient(), stack.a, 'alice');
    const bob = await stack.signIn(createClient(), stack.a, 'bob');
    const onB = await openSocket(stack.b.port, stack.echo, cookieOf(alice));
    const bobOnB = await openSocket(stack.b.port, stack.echo, cookieOf(bob));

    assert.equal((await stack.get(stack.a, alice, '/oauth2/sign_out')).status, 302);
    await within(onB.closed, 2_000, 'replica B\'s websocket of the signed-out session to close');
    await within(onB.upstreamClosed, 2_000, 'the upstream end of the tunnel to close');
    await echoBack(bobOnB.ws);
    bobOnB.ws.close();
  });

  it('closes websockets on every replica for sessions revoked by a sign-out of all sessions', async () => {
    // The same Redis, a third replica with --sign-out-all-sessions: its revocation reaches B's tunnels.
    const c = await startProxy(baseArgs({ issuer: stack.idp.issuer, upstream: stack.echo.url, extra: [...REDIS_ARGS(), '--sign-out-all-sessions'] }));
    try {
      const first = await stack.signIn(createClient(), stack.a, 'alice');
      const second = await stack.signIn(createClient(), stack.b, 'alice');
      const bob = await stack.signIn(createClient(), stack.b, 'bob');
      const s1 = await openSocket(stack.a.port, stack.echo, cookieOf(first));
      const s2 = await openSocket(stack.b.port, stack.echo, cookieOf(second));
      const sb = await openSocket(stack.b.port, stack.echo, cookieOf(bob));
      const out = await createClient().request(`${c.url}/oauth2/sign_out`, { headers: { cookie: cookieOf(first) } });
      assert.equal(out.status, 302);
      await within(s1.closed, 2_000, 'replica A\'s websocket of the user to close');
      await within(s2.closed, 2_000, 'replica B\'s websocket of the user\'s other session to close');
      await echoBack(sb.ws);
      sb.ws.close();
    } finally {
      await c.close();
    }
  });
});
