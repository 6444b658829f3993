// Several providers from the alpha YAML's `providers:` list, through the real executable: a person
// in a real browser picks the second provider's button on the sign-in page and comes back signed
// in as that provider's user; a GitHub-style entry with the alpha keys signs in as well.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { GITHUB_CLIENT, startFakeGitHub, type FakeGitHub } from '../support/fake-apis/github.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { startBin, type Started } from '../support/spawn.js';

describe('several providers from the alpha providers list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'multi-provider-alpha-'));
  let main: DevIdp;
  let corp: DevIdp;
  let gh: FakeGitHub;
  let echo: EchoUpstream;
  let proxy: Started;
  let browser: Browser;
  let url: string;

  before(async () => {
    main = await startTestIdp();
    corp = await startTestIdp({ users: { carol: { email: 'carol@corp.example', email_verified: true, preferred_username: 'carol', groups: ['staff'] } } });
    gh = await startFakeGitHub();
    gh.users = { gus: { emails: [{ email: 'gus@example.com', primary: true, verified: true }], orgs: ['acme'] } };
    gh.nextUser = 'gus';
    echo = await startEchoUpstream();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const file = join(dir, 'alpha.yaml');
    writeFileSync(file, `
server:
  bindAddress: 127.0.0.1:${port}
upstreamConfig:
  upstreams:
    - { id: app, path: /, uri: '${echo.url}' }
injectRequestHeaders:
  - name: X-Forwarded-Email
    values: [{ claimSource: { claim: email } }]
providers:
  - id: main
    provider: oidc
    name: Main IdP
    clientID: ${TEST_CLIENT_ID}
    clientSecret: ${TEST_CLIENT_SECRET}
    oidcConfig: { issuerURL: '${main.issuer}' }
  - id: corp
    provider: oidc
    name: Corp
    clientID: ${TEST_CLIENT_ID}
    clientSecret: ${TEST_CLIENT_SECRET}
    scope: openid email profile groups
    allowedGroups: [staff]
    oidcConfig: { issuerURL: '${corp.issuer}' }
  - id: gh
    provider: github
    name: GitHub
    clientID: ${GITHUB_CLIENT.id}
    clientSecret: ${GITHUB_CLIENT.secret}
    loginURL: ${gh.url}/login/oauth/authorize
    redeemURL: ${gh.url}/login/oauth/access_token
    validateURL: ${gh.url}/api/v3/
cookie_secret: ${TEST_COOKIE_SECRET}
cookie_secure: false
email_domains: ['*']
logging_format: json
`);
    proxy = await startBin([`--alpha-config=${file}`], {}, /"msg":"listening"/);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    proxy?.child.kill('SIGTERM');
    await proxy?.exited;
    await Promise.all([echo?.close(), gh?.close(), corp?.close(), main?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('signs a person in through the provider whose button they pick', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/reports?q=1`);
    const buttons = await page.getByRole('link', { name: /^Sign in with / }).allTextContents();
    assert.deepEqual(buttons.map((b) => b.trim()), ['Sign in with Main IdP', 'Sign in with Corp', 'Sign in with GitHub']);
    await page.getByRole('link', { name: 'Sign in with Corp' }).click();
    await page.waitForURL((u) => u.href.startsWith(corp.issuer), { timeout: 15_000 });
    await page.getByLabel(/user/i).fill('carol');
    await page.getByLabel(/password/i).fill(DEMO_PASSWORD);
    await page.getByRole('button', { name: /sign in|log in|continue/i }).click();
    await page.waitForURL(`${url}/reports?q=1`, { timeout: 15_000 });
    const seen = JSON.parse((await page.locator('body').textContent()) ?? '{}') as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/reports?q=1');
    assert.equal(seen.headers['x-forwarded-email'], 'carol@corp.example');
    await page.close();
  });

  it('signs in through the GitHub-style entry given with the alpha keys', async () => {
    const client = createClient();
    const { response } = await signIn(client, { startUrl: `${url}/oauth2/start?provider=gh&rd=%2Fhome`, username: 'gus', password: DEMO_PASSWORD });
    assert.equal(response.status, 302);
    const home = await client.request(`${url}/home`);
    assert.equal(home.status, 200);
    assert.equal(JSON.parse(home.body).headers['x-forwarded-email'], 'gus@example.com');
  });
});
