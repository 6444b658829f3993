// The test HTTP client and its sign-in walker, exercised against throwaway servers and a stand-in
// proxy in front of the dev IdP.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { listen, type LocalServer } from '../providers/helpers.js';
import { createClient, header, signIn } from '../support/http-client.js';
import { startTestIdp, TEST_CLIENT_ID, type DevIdp } from '../support/idp.js';

describe('test HTTP client cookie jar', () => {
  let a: LocalServer;
  let b: LocalServer;
  const seen: Array<{ server: string; path: string; cookie: string }> = [];

  before(async () => {
    const handler = (name: string) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const path = req.url ?? '/';
      seen.push({ server: name, path, cookie: String(req.headers.cookie ?? '') });
      const set: Record<string, string[]> = {
        '/set': [
          'root=1; Path=/; HttpOnly',
          'sub=2; Path=/sub; SameSite=Lax',
          'lasting=3; Max-Age=3600',
          'gone=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
        ],
        '/dir/page': ['scoped=5'],
        '/clear': ['root=; Path=/; Max-Age=0', 'lasting=; Expires=Thu, 01 Jan 1970 00:00:00 GMT'],
      };
      res.writeHead(200, { 'set-cookie': set[path] ?? [] }).end('ok');
    };
    a = await listen(handler('a'));
    b = await listen(handler('b'));
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('stores cookies per host:port, honours Path and drops expired ones', async () => {
    const client = createClient();
    const res = await client.request(`${a.origin}/set`);
    assert.equal(res.setCookies.length, 4);
    const jar = client.cookies.get(`127.0.0.1:${a.port}`);
    assert.deepEqual([...(jar ?? new Map())].sort(), [
      ['lasting', '3'],
      ['root', '1'],
      ['sub', '2'],
    ]);

    assert.equal(client.cookieHeader(`${a.origin}/sub/page`), 'sub=2; root=1; lasting=3');
    assert.equal(client.cookieHeader(`${a.origin}/subway`), 'root=1; lasting=3');
    assert.equal(client.cookieHeader(`${b.origin}/sub/page`), '');

    await client.request(`${a.origin}/dir/page`);
    assert.match(client.cookieHeader(`${a.origin}/dir/other`), /scoped=5/);
    assert.doesNotMatch(client.cookieHeader(`${a.origin}/elsewhere`), /scoped/);

    await client.request(`${a.origin}/sub/x`);
    assert.equal(seen.at(-1)?.cookie, 'sub=2; root=1; lasting=3');
    await client.request(`${b.origin}/sub/x`);
    assert.equal(seen.at(-1)?.cookie, '');

    await client.request(`${a.origin}/clear`);
    assert.equal(client.cookieHeader(`${a.origin}/sub/page`), 'sub=2');
  });

  it('sends forms, keeps an explicit Cookie header and never follows redirects', async () => {
    const echo = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res
          .writeHead(302, { location: '/next', 'x-method': req.method ?? '', 'x-type': String(req.headers['content-type'] ?? '') })
          .end(`${String(req.headers.cookie ?? '')}|${Buffer.concat(chunks).toString()}`);
      });
    });
    try {
      const client = createClient();
      const res = await client.request(`${echo.origin}/form`, { body: { a: '1', b: 'x y' }, headers: { Cookie: 'manual=1' } });
      assert.equal(res.status, 302);
      assert.equal(header(res, 'location'), '/next');
      assert.equal(header(res, 'x-method'), 'POST');
      assert.equal(header(res, 'x-type'), 'application/x-www-form-urlencoded');
      assert.equal(res.body, 'manual=1|a=1&b=x+y');
      assert.equal(res.url, `${echo.origin}/form`);
    } finally {
      await echo.close();
    }
  });
});

describe('signIn through a proxy-like server', () => {
  let idp: DevIdp;
  let proxy: LocalServer;
  const sessions = new Set<string>();

  before(async () => {
    idp = await startTestIdp();
    // Just enough of an authenticating proxy: a sign-in page, a start endpoint that sends the
    // browser to the IdP, and a callback that sets a session cookie.
    proxy = await listen((req, res) => {
      const url = new URL(req.url ?? '/', proxy.origin);
      const cookie = String(req.headers.cookie ?? '');
      if (url.pathname === '/oauth2/start') {
        const auth = new URL('/auth', idp.issuer);
        auth.search = new URLSearchParams({
          client_id: TEST_CLIENT_ID,
          redirect_uri: `${proxy.origin}/oauth2/callback`,
          response_type: 'code',
          scope: 'openid email',
          state: url.searchParams.get('rd') ?? '/',
        }).toString();
        res.writeHead(302, { location: auth.href }).end();
      } else if (url.pathname === '/oauth2/callback') {
        if (!url.searchParams.get('code')) {
          res.writeHead(403).end('sign-in failed');
          return;
        }
        const id = randomBytes(8).toString('hex');
        sessions.add(id);
        res.writeHead(302, { location: url.searchParams.get('state') ?? '/', 'set-cookie': `_session=${id}; Path=/; HttpOnly` }).end();
      } else if (sessions.has(/_session=([0-9a-f]+)/.exec(cookie)?.[1] ?? '')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${url.pathname}`);
      } else {
        res
          .writeHead(403, { 'content-type': 'text/html' })
          .end(
            `<html><body><form method="GET" action="/oauth2/start"><input type="hidden" name="rd" value="${url.pathname}"><button type="submit">Sign in</button></form></body></html>`,
          );
      }
    });
  });
  after(async () => {
    await proxy.close();
    await idp.close();
  });

  it('follows the start redirect to the IdP, logs in and stops at the callback', async () => {
    const client = createClient();
    const { response, visited } = await signIn(client, {
      startUrl: `${proxy.origin}/oauth2/start?rd=/app`,
      username: 'alice',
      password: 'password',
    });
    assert.equal(response.status, 302);
    assert.match(response.url, new RegExp(`^${proxy.origin}/oauth2/callback\\?code=`));
    assert.equal(header(response, 'location'), '/app');
    assert.equal(response.setCookies.length, 1);
    assert.equal(visited[0], `${proxy.origin}/oauth2/start?rd=/app`);
    assert.ok(visited.some((v) => v.startsWith(`${idp.issuer}/interaction/`)));
    const page = await client.request(`${proxy.origin}/app`);
    assert.equal(page.body, 'hello from /app');
  });

  it('goes through a sign-in page with a button when it starts at a protected path', async () => {
    const client = createClient();
    const { response, visited } = await signIn(client, { startUrl: `${proxy.origin}/reports`, username: 'bob', password: 'password' });
    assert.equal(response.status, 302);
    assert.equal(header(response, 'location'), '/reports');
    assert.equal(visited[1], `${proxy.origin}/oauth2/start?rd=%2Freports`);
    assert.equal((await client.request(`${proxy.origin}/reports`)).body, 'hello from /reports');
  });

  it('returns the re-rendered login form when the IdP refuses the credentials', async () => {
    const { response, visited } = await signIn(createClient(), {
      startUrl: `${proxy.origin}/oauth2/start`,
      username: 'alice',
      password: 'wrong',
    });
    assert.equal(response.status, 401);
    assert.match(response.body, /Invalid username or password/);
    assert.match(visited.at(-1) ?? '', /\/interaction\/[\w-]+\/login$/);
  });
});
