// --spa-unauthenticated-json over HTTP against the real provider and the echo upstream: a page's
// background request without a session gets 401 JSON whose sign_in_url, followed at the top level,
// signs the user in and brings them back to the page; navigations keep oauth2-proxy's answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { signIn } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';

const FETCH = { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin', accept: '*/*' };
const NAVIGATION = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none', accept: 'text/html,*/*;q=0.8' };

describe('SPA answers for unauthenticated requests', () => {
  let s: Stack;
  let skip: Stack;
  before(async () => {
    s = await startStack({ args: ['--spa-unauthenticated-json'] });
    skip = await startStack({ args: ['--spa-unauthenticated-json', '--skip-provider-button'] });
  });
  after(async () => {
    await s?.close();
    await skip?.close();
  });

  it('a fetch gets 401 JSON whose sign_in_url signs in and lands on the page it came from', async () => {
    const page = `${s.proxy.url}/inbox/42?tab=unread`;
    const client = s.newClient();
    const r = await client.request(`${s.proxy.url}/api/items?page=2`, { headers: { ...FETCH, referer: page } });
    assert.equal(r.status, 401);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate, max-age=0');
    assert.equal(r.headers['vary'], 'Sec-Fetch-Mode, Sec-Fetch-Dest, Accept, X-Requested-With');
    assert.equal(r.headers['location'], undefined);
    const body = JSON.parse(r.body);
    assert.equal(body.error, 'Unauthorized');
    assert.equal(body.code, 'UNAUTHORIZED');
    assert.equal(body.sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/inbox/42?tab=unread')}`);
    assert.equal(s.echo.requests.length, 0, 'nothing reached the upstream');

    const { response } = await signIn(client, { startUrl: `${s.proxy.url}${body.sign_in_url}`, username: 'alice', password: DEMO_PASSWORD });
    assert.equal(response.status, 302);
    assert.equal(response.headers['location'], '/inbox/42?tab=unread');
    const landed = await client.request(`${s.proxy.url}${response.headers['location']}`, { headers: NAVIGATION });
    assert.equal(landed.status, 200);
    assert.equal(JSON.parse(landed.body).url, '/inbox/42?tab=unread');
    const again = await client.request(`${s.proxy.url}/api/items?page=2`, { headers: { ...FETCH, referer: page } });
    assert.equal(again.status, 200, 'the fetch now reaches the upstream');
  });

  it('an XHR without fetch metadata gets the JSON answer too', async () => {
    const r = await rawRequest(s.proxy.port, { path: '/api/items', headers: { 'x-requested-with': 'XMLHttpRequest', referer: `${s.proxy.url}/board` } });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/board')}`);
  });

  it('a Referer from another origin does not become rd', async () => {
    for (const referer of ['https://evil.example/phish', `http://evil.example:${s.proxy.port}/x`, `${s.proxy.url}//evil.example/x`]) {
      const r = await rawRequest(s.proxy.port, { path: '/api/items?page=2', headers: { ...FETCH, referer } });
      assert.equal(r.status, 401);
      const url = JSON.parse(r.body).sign_in_url as string;
      assert.equal(url, `/oauth2/start?rd=${encodeURIComponent('/api/items?page=2')}`, referer);
      assert.doesNotMatch(url, /evil/);
    }
  });

  it('a navigation still gets the sign-in page with 403', async () => {
    const r = await rawRequest(s.proxy.port, { path: '/inbox/42', headers: { ...NAVIGATION, referer: 'https://evil.example/' } });
    assert.equal(r.status, 403);
    assert.match(String(r.headers['content-type']), /text\/html/);
    assert.match(r.body, /name="rd" value="\/inbox\/42"/);
    assert.equal(r.headers['vary'], undefined);
  });

  it('a navigation with --skip-provider-button still gets the redirect to the provider', async () => {
    const r = await rawRequest(skip.proxy.port, { path: '/inbox/42', headers: NAVIGATION });
    assert.equal(r.status, 302);
    assert.ok(String(r.headers['location']).startsWith(skip.idp.issuer), String(r.headers['location']));
    const f = await rawRequest(skip.proxy.port, { path: '/api/items', headers: { ...FETCH, referer: `${skip.proxy.url}/inbox/42` } });
    assert.equal(f.status, 401);
    assert.equal(f.headers['set-cookie'], undefined, 'no sign-in started, so no CSRF cookie');
    assert.equal(JSON.parse(f.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/inbox/42')}`);
  });

  describe('in a browser', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
    });

    it("a page's fetch() gets the JSON, and its sign_in_url brings the user back to the page", async () => {
      const page = await browser.newPage();
      const app = `${s.proxy.url}/app/view?id=7`;
      // The single-page app's document; its fetch() calls go to the proxy for real.
      await page.route((url) => url.pathname === '/app/view', (route) =>
        route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>app</title><h1>app</h1>' }));
      await page.goto(app);
      const answer = await page.evaluate(async () => {
        const r = await fetch('/api/items');
        return { status: r.status, vary: r.headers.get('vary'), body: await r.json() as { sign_in_url: string } };
      });
      assert.equal(answer.status, 401);
      assert.equal(answer.vary, 'Sec-Fetch-Mode, Sec-Fetch-Dest, Accept, X-Requested-With');
      assert.equal(answer.body.sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/app/view?id=7')}`);

      await page.goto(new URL(answer.body.sign_in_url, page.url()).href);
      await page.waitForURL(/\/interaction\//);
      await page.getByLabel(/user/i).fill('bob');
      await page.getByLabel(/password/i).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: /sign in|log in|continue/i }).click();
      await page.waitForURL(app);
      const signedIn = await page.evaluate(async () => {
        const r = await fetch('/api/items');
        return { status: r.status, body: await r.json() as { headers: Record<string, string> } };
      });
      assert.equal(signedIn.status, 200);
      assert.equal(signedIn.body.headers['x-forwarded-user'], 'bob');
      await page.close();
    });
  });
});
