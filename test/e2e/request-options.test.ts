// Sign-in and upstream options end to end: CSRF cookie SameSite and per-request limit, encoded
// state, minimal sessions, request signing, connections per request, relative callback URLs and
// how ";" in the query is read.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createSessionCodec } from '../../src/session/codec.js';
import { createCsrf } from '../../src/session/csrf.js';
import type { EchoRequest } from '../support/echo-upstream.js';
import { startStack, type Stack } from '../support/stack.js';

const SIGNATURE_KEY = 'sha256:test-signing-secret';

function location(r: { headers: Record<string, string | string[] | undefined> }): URL {
  assert.equal(typeof r.headers.location, 'string', 'a redirect');
  return new URL(r.headers.location as string);
}

/** The state a provider sees, decoded when it was encoded. */
function stateRedirect(state: string, encoded: boolean): string {
  const plain = encoded ? Buffer.from(state, 'base64url').toString('utf8') : state;
  const colon = plain.indexOf(':');
  assert.ok(colon === 43, `state ${plain} is <hash>:<redirect>`);
  return plain.slice(colon + 1);
}

/** hmacauth's signature over what the upstream received, computed independently of the proxy. */
function expectedSignature(seen: EchoRequest, body: Buffer): string {
  const list = ['Content-Length', 'Content-Md5', 'Content-Type', 'Date', 'Authorization', 'X-Forwarded-User', 'X-Forwarded-Email',
    'X-Forwarded-Preferred-User', 'X-Forwarded-Access-Token', 'Cookie', 'Gap-Auth'];
  let text = seen.method + '\n';
  for (const name of list) {
    const values: string[] = [];
    for (let i = 0; i < seen.rawHeaders.length; i += 2) if (seen.rawHeaders[i]!.toLowerCase() === name.toLowerCase()) values.push(seen.rawHeaders[i + 1]!);
    text += values.join(',') + '\n';
  }
  const q = seen.url.indexOf('?');
  const path = decodeURIComponent(q === -1 ? seen.url : seen.url.slice(0, q));
  text += path + (q === -1 ? '' : seen.url.slice(q));
  const [algo, key] = SIGNATURE_KEY.split(':') as [string, string];
  return `${algo} ${createHmac(algo, key).update(text).update(body).digest('base64')}`;
}

describe('CSRF SameSite, per-request limit, encoded state, minimal sessions, signing, no keep-alive', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({
      args: [
        '--cookie-samesite=lax', '--cookie-csrf-samesite=strict', '--cookie-csrf-per-request=true',
        '--cookie-csrf-per-request-limit=2', '--encode-state=true', '--session-cookie-minimal=true',
        `--signature-key=${SIGNATURE_KEY}`, '--disable-keep-alives=true',
      ],
    });
  });
  after(() => s.close());

  it('gives the CSRF cookie its own SameSite and the session cookie --cookie-samesite', async () => {
    const client = s.newClient();
    const { response, setCookies } = await s.signIn(client, 'alice', '/private');
    assert.equal(response.status, 200);
    const csrf = setCookies.find((c) => /^_oauth2_proxy_[^=]*_csrf=[^;]+/.test(c));
    assert.ok(csrf, setCookies.join('\n'));
    assert.match(csrf, /SameSite=Strict/i);
    const session = setCookies.find((c) => c.startsWith('_oauth2_proxy=') && !/Max-Age=0/.test(c));
    assert.ok(session);
    assert.match(session, /SameSite=Lax/i);
  });

  it('sends the whole state base64url-encoded and accepts it back', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/start?rd=${encodeURIComponent('/there?x=1')}`);
    assert.equal(r.status, 302);
    const state = location(r).searchParams.get('state') ?? '';
    assert.match(state, /^[A-Za-z0-9_-]+$/);
    assert.equal(stateRedirect(state, true), '/there?x=1');
    // The sign-in above went through the callback with this encoding.
    const { response } = await s.signIn(s.newClient(), 'bob', '/again');
    assert.equal(response.status, 200);
  });

  it('an unencoded state is refused at the callback', async () => {
    const client = s.newClient();
    const start = await client.request(`${s.proxy.url}/oauth2/start?rd=/`);
    const plain = Buffer.from(location(start).searchParams.get('state')!, 'base64url').toString('utf8');
    const r = await client.request(`${s.proxy.url}/oauth2/callback?code=abc&state=${encodeURIComponent(plain)}`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
  });

  it('expires the oldest per-request CSRF cookies beyond the limit on /oauth2/start', async () => {
    const csrf = createCsrf({
      cookieName: '_oauth2_proxy', secret: s.cookieSecret, csrfExpireMs: 15 * 60_000, perRequest: true,
      domains: [], path: '/', secure: false, httpOnly: true, sameSite: 'lax',
    });
    const now = Date.now();
    const starts = [3, 2, 1].map((ago) => csrf.startLogin({ redirect: '/', usePkce: '', host: 'x', nowMs: now - ago * 60_000 }));
    const cookie = starts.map((l) => l.setCookie.slice(0, l.setCookie.indexOf(';'))).reverse().join('; ');
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/start?rd=/`, { headers: { cookie } });
    assert.equal(r.status, 302);
    const expired = r.setCookies.filter((c) => /Max-Age=0/.test(c)).map((c) => c.slice(0, c.indexOf('=')));
    assert.deepEqual(expired, [starts[0]!.cookieName]);
    assert.equal(r.setCookies.filter((c) => /_csrf=[^;]+/.test(c)).length, 1, 'one new CSRF cookie');
  });

  it('stores no tokens in the session cookie', async () => {
    const client = s.newClient();
    const { response } = await s.signIn(client, 'alice');
    assert.equal(response.status, 200);
    const value = client.cookies.get(new URL(s.proxy.url).host)?.get('_oauth2_proxy');
    assert.ok(value);
    const session = createSessionCodec({ cookieName: '_oauth2_proxy', secret: s.cookieSecret, expireMs: 168 * 3600_000 }).decode(value, Date.now());
    assert.ok(session);
    assert.equal(session.email, 'alice@example.com');
    assert.equal(session.accessToken, undefined);
    assert.equal(session.idToken, undefined);
    assert.equal(session.refreshToken, undefined);
  });

  it('signs upstream requests in GAP-Signature, over the documented headers, path, query and body', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    let at = s.echo.requests.length;
    const get = await client.request(`${s.proxy.url}/some%20path/x?b=2&a=1`, { headers: { 'gap-signature': 'sha256 forged', date: 'Mon, 01 Jan 2024 00:00:00 GMT' } });
    assert.equal(get.status, 200);
    let seen = s.echo.requests[at]!;
    assert.equal(seen.headers['gap-auth'], 'alice@example.com');
    assert.equal(seen.headers['gap-signature'], expectedSignature(seen, Buffer.alloc(0)));
    assert.equal(seen.rawHeaders.filter((h) => h.toLowerCase() === 'gap-signature').length, 1, 'the client\'s signature is dropped');

    at = s.echo.requests.length;
    const body = 'field=value&other=' + 'x'.repeat(5000);
    const post = await client.request(`${s.proxy.url}/form`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.status, 200);
    seen = s.echo.requests[at]!;
    assert.equal(seen.bodyLength, Buffer.byteLength(body));
    assert.equal(seen.headers['gap-signature'], expectedSignature(seen, Buffer.from(body)));
  });

  it('opens a new upstream connection for every request', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const at = s.echo.requests.length;
    for (let i = 0; i < 3; i++) assert.equal((await client.request(`${s.proxy.url}/n${i}`)).status, 200);
    const ids = s.echo.requests.slice(at).map((r) => r.connectionId);
    assert.equal(new Set(ids).size, 3, `connection ids ${ids.join(',')}`);
  });

  it('by default drops an rd pair that contains ";"', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/start?rd=/a;b=c`);
    assert.equal(stateRedirect(location(r).searchParams.get('state')!, true), '/');
  });
});

describe('--relative-redirect-url and --allow-query-semicolons', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ args: ['--relative-redirect-url=true', '--allow-query-semicolons=true'] });
  });
  after(() => s.close());

  it('sends the callback URL to the provider without scheme and host', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/start?rd=/`);
    assert.equal(location(r).searchParams.get('redirect_uri'), '/oauth2/callback');
  });

  it('reads ";" as a query separator for rd', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/start?rd=/a;b=c`);
    assert.equal(stateRedirect(location(r).searchParams.get('state')!, false), '/a');
  });
});

describe('keep-alive and the forwarded query with --allow-query-semicolons', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ args: ['--allow-query-semicolons=true'] });
  });
  after(() => s.close());

  it('reuses the upstream connection and forwards ";" byte for byte', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const at = s.echo.requests.length;
    for (const q of ['a=1;b=2', 'a=1;b=2&c=3']) assert.equal((await client.request(`${s.proxy.url}/q?${q}`)).status, 200);
    const seen = s.echo.requests.slice(at);
    assert.deepEqual(seen.map((r) => r.url), ['/q?a=1;b=2', '/q?a=1;b=2&c=3']);
    assert.equal(seen[0]!.connectionId, seen[1]!.connectionId);
    assert.equal(seen[0]!.headers['gap-signature'], undefined);
  });
});
