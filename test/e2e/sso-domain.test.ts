// Single sign-on across the apps of one domain, as the sso overlay deploys them: two sidecars
// started from that overlay's manifests (shared ConfigMap and Secret, per-app redirect URLs), on
// two hosts of example.com, driven by a real browser (Debian's Chromium) whose resolver sends
// both hosts to loopback. The browser applies the cookie's Domain itself: one sign-in serves both
// apps, one sign-out ends both.
//
// Only what the test cannot have changes, through env: the provider, the listen addresses and
// redirect URLs (free ports), the upstreams, and cookie_secure (plain http: a browser drops a
// Secure cookie sent over http to a non-loopback host).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { requireBinary } from '../support/deps.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { startBin, type Started } from '../support/spawn.js';
import { kustomize } from '../deploy/k8s.js';
import { mountSidecar, type MountedPod } from '../deploy/seed.js';

interface App {
  name: string;
  url: string;
  echo: EchoUpstream;
  pod: MountedPod;
  proxy?: Started;
}

describe('single sign-on across app1.example.com and app2.example.com', () => {
  let idp: DevIdp;
  let browser: Browser;
  let context: BrowserContext;
  const apps: App[] = [];

  before(async () => {
    const objects = kustomize('deploy/kubernetes/overlays/sso');
    for (const name of ['app1', 'app2']) {
      const port = await freePort();
      apps.push({ name, url: `http://${name}.example.com:${port}`, echo: await startEchoUpstream(), pod: mountSidecar(objects, name) });
    }
    idp = await startTestIdp({ redirectUris: apps.map((a) => `${a.url}/oauth2/callback`), postLogoutRedirectUris: apps.map((a) => `${a.url}/`) });
    for (const app of apps) {
      const port = new URL(app.url).port;
      app.proxy = await startBin(app.pod.args, {
        ...app.pod.env,
        OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer,
        OAUTH2_PROXY_HTTP_ADDRESS: `127.0.0.1:${port}`,
        OAUTH2_PROXY_REDIRECT_URL: app.pod.env.OAUTH2_PROXY_REDIRECT_URL!.replace(/^https:\/\/([^/]+)/, `http://$1:${port}`),
        OAUTH2_PROXY_UPSTREAMS: app.echo.url,
        OAUTH2_PROXY_COOKIE_SECURE: 'false',
      }, /"msg":"listening"/);
    }
    browser = await chromium.launch({
      executablePath: requireBinary('chromium'),
      headless: true,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run',
        // Both app hosts resolve to loopback; nothing else is resolved at all.
        '--host-resolver-rules=MAP app1.example.com 127.0.0.1, MAP app2.example.com 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    context = await browser.newContext();
  });

  after(async () => {
    await browser?.close();
    for (const app of apps) {
      if (app.proxy && app.proxy.child.exitCode === null) {
        app.proxy.child.kill('SIGTERM');
        await app.proxy.exited;
      }
      await app.echo.close();
      app.pod.cleanup();
    }
    await idp?.close();
  });

  /** Opens a page of the app; tells whether the browser was sent to the provider on the way. */
  const visit = async (app: App, path: string) => {
    const page = await context.newPage();
    let providerVisited = false;
    page.on('request', (r) => {
      if (r.url().startsWith(idp.issuer)) providerVisited = true;
    });
    try {
      await page.goto(`${app.url}${path}`);
      return { providerVisited, url: page.url() };
    } finally {
      await page.close();
    }
  };

  it('the redirect URLs come from the overlay: one per host', () => {
    assert.deepEqual(apps.map((a) => a.pod.env.OAUTH2_PROXY_REDIRECT_URL), ['https://app1.example.com/oauth2/callback', 'https://app2.example.com/oauth2/callback']);
  });

  it('a sign-in on app1 signs the user in on app2 too', async () => {
    const [app1, app2] = apps as [App, App];
    const page = await context.newPage();
    await page.goto(`${app1.url}/dashboard`);
    assert.ok(page.url().startsWith(idp.issuer), `app1 sends the browser to the provider (at ${page.url()})`);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await Promise.all([page.waitForURL(`${app1.url}/dashboard`), page.click('button[type=submit]')]);
    assert.equal(JSON.parse((await page.textContent('body')) ?? '{}').headers['x-auth-request-email'], 'alice@example.com');

    const session = (await context.cookies()).find((c) => c.name === '_oauth2_proxy');
    assert.equal(session?.domain, '.example.com', 'one cookie for the whole domain');
    assert.equal(session?.httpOnly, true);

    const tokenRequests = idp.stats.tokenRequests;
    await page.goto(`${app2.url}/reports`);
    assert.equal(page.url(), `${app2.url}/reports`, 'no detour through the provider');
    assert.equal(JSON.parse((await page.textContent('body')) ?? '{}').headers['x-auth-request-email'], 'alice@example.com');
    assert.equal(idp.stats.tokenRequests, tokenRequests, 'no new sign-in');
    assert.ok(app2.echo.requests.some((r) => r.url === '/reports'));
    await page.close();
  });

  it('a sign-out on app2 signs the user out of app1 too', async () => {
    const [app1, app2] = apps as [App, App];
    const before = await visit(app1, '/inbox');
    assert.equal(before.providerVisited, false, 'still signed in on app1');
    // The provider's own session would sign the browser straight back in (favicon requests
    // included); end it, as a provider logout would, so only the apps' cookie is under test.
    await context.clearCookies({ domain: '127.0.0.1' });
    await visit(app2, '/oauth2/sign_out');
    // The session cookie and its split chunks (a CSRF cookie of the next sign-in may be there).
    assert.deepEqual((await context.cookies()).filter((c) => /^_oauth2_proxy(_\d+)?$/.test(c.name)), [], 'the session cookie is gone');
    for (const app of [app1, app2]) {
      const after = await visit(app, '/inbox');
      assert.equal(after.providerVisited, true, `${app.name} sends the browser to the provider again`);
      assert.ok(after.url.startsWith(idp.issuer), `${app.name}: the provider asks for credentials (at ${after.url})`);
    }
  });
});
