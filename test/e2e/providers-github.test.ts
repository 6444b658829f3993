// A full sign-in through the proxy with --provider=github against a fake GitHub Enterprise: the
// organisation rule decides at the callback, the groups reach the upstream, the reason for a refusal
// goes to the auth log and not to the browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { GITHUB_CLIENT, startFakeGitHub, type FakeGitHub } from '../support/fake-apis/github.js';
import { createClient, signIn } from '../support/http-client.js';
import { startProxy, TEST_COOKIE_SECRET, type RunningProxy } from '../support/proxy.js';

describe('github provider through the proxy', () => {
  let gh: FakeGitHub;
  let echo: EchoUpstream;
  let proxy: RunningProxy;
  before(async () => {
    gh = await startFakeGitHub();
    gh.users = {
      alice: { emails: [{ email: 'alice@example.com', primary: true, verified: true }], orgs: ['acme'], teams: [['acme', 'ops']] },
      mallory: { emails: [{ email: 'mallory@example.com', primary: true, verified: true }], orgs: ['other'] },
    };
    echo = await startEchoUpstream();
    proxy = await startProxy([
      '--provider=github',
      `--client-id=${GITHUB_CLIENT.id}`,
      `--client-secret=${GITHUB_CLIENT.secret}`,
      `--login-url=${gh.url}/login/oauth/authorize`,
      `--redeem-url=${gh.url}/login/oauth/access_token`,
      `--validate-url=${gh.url}/api/v3/`,
      '--github-org=acme',
      `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false',
      '--email-domain=example.com',
      `--upstream=${echo.url}`,
    ]);
  });
  after(async () => {
    await proxy.close();
    await echo.close();
    await gh.close();
  });

  const walk = async (user: string) => {
    gh.nextUser = user;
    const client = createClient();
    const { response } = await signIn(client, { startUrl: `${proxy.url}/oauth2/start?rd=%2Fdash`, username: user, password: 'x' });
    return { client, response };
  };

  it('shows GitHub on the sign-in page', async () => {
    const r = await createClient().request(`${proxy.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.match(r.body, /Sign in with GitHub/);
  });

  it('lets an organisation member in and passes login, email and groups upstream', async () => {
    const { client, response } = await walk('alice');
    assert.equal(response.status, 302, response.body);
    assert.equal(response.headers.location, '/dash');
    const r = await client.request(`${proxy.url}/dash`);
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body);
    assert.equal(seen.headers['x-forwarded-user'], 'alice');
    assert.equal(seen.headers['x-forwarded-email'], 'alice@example.com');
    assert.equal(seen.headers['x-forwarded-groups'], 'acme,acme:ops');
    assert.equal(gh.lastAuthorize?.get('scope'), 'user:email read:org');
  });

  it('refuses a non-member at the callback with 403, the reason only in the auth log', async () => {
    const { response } = await walk('mallory');
    assert.equal(response.status, 403);
    assert.doesNotMatch(response.body, /organisation|acme/);
    assert.ok(!response.setCookies.some((c) => c.startsWith('_oauth2_proxy=')), 'no session cookie');
    const line = proxy.logs.find((l) => typeof l.msg === 'string' && /not a member of GitHub organisation acme/.test(JSON.stringify(l)));
    assert.ok(line, proxy.logText());
    assert.doesNotMatch(proxy.logText(), /at-mallory-/, 'the access token is never logged');
  });
});
