// Several identity providers behind one proxy: two real OpenID Providers (each with its own issuer)
// and a GitHub-style OAuth2 API. The sign-in page offers each, /oauth2/start?provider= picks one,
// the callback redeems with the provider the sign-in began with, and each session goes back to its
// own provider for refresh and sign-out; allowed groups are each provider's own.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { GITHUB_CLIENT, startFakeGitHub, type FakeGitHub } from '../support/fake-apis/github.js';
import { createClient, header, signIn, type HttpClient } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, TEST_CLIENT_SECRET, type DevIdp } from '../support/idp.js';
import { baseArgs, startProxy, type RunningProxy } from '../support/proxy.js';

const DEFAULT_ID = 'oidc=proxy';

describe('several identity providers in one proxy', () => {
  let main: DevIdp;
  let corp: DevIdp;
  let gh: FakeGitHub;
  let echo: EchoUpstream;
  let proxy: RunningProxy;
  let ghArg: string;

  before(async () => {
    main = await startTestIdp();
    corp = await startTestIdp({
      users: {
        carol: { email: 'carol@corp.example', email_verified: true, preferred_username: 'carol', groups: ['staff'] },
        // In the main IdP's admins group, but that group means nothing at corp.
        alice: { email: 'alice@corp.example', email_verified: true, preferred_username: 'alice', groups: ['admins'] },
      },
    });
    gh = await startFakeGitHub();
    gh.users = { gus: { emails: [{ email: 'gus@example.com', primary: true, verified: true }], orgs: ['acme'] } };
    echo = await startEchoUpstream();
    const secretFile = join(mkdtempSync(join(tmpdir(), 'multi-provider-')), 'corp-secret');
    writeFileSync(secretFile, `${TEST_CLIENT_SECRET}\n`);
    ghArg = `--extra-provider=id=gh,provider=github,client-id=${GITHUB_CLIENT.id},client-secret=${GITHUB_CLIENT.secret},` +
      `login-url=${gh.url}/login/oauth/authorize,redeem-url=${gh.url}/login/oauth/access_token,validate-url=${gh.url}/api/v3/,provider-display-name=GitHub`;
    proxy = await startProxy(baseArgs({
      issuer: main.issuer,
      upstream: echo.url,
      extra: [
        '--provider-display-name=Main IdP',
        '--allowed-group=admins',
        '--oidc-rp-initiated-logout',
        // Every request after sign-in refreshes, so the refresh path is exercised at once.
        '--cookie-refresh=1ms',
        `--extra-provider=id=corp,provider=oidc,oidc-issuer-url=${corp.issuer},client-id=proxy,client-secret-file=${secretFile},provider-display-name=Corp,scope=openid email profile groups,allowed-group=staff`,
        ghArg,
      ],
    }));
  });
  after(async () => {
    await proxy?.close();
    await echo?.close();
    await gh?.close();
    await corp?.close();
    await main?.close();
  });

  async function signInWith(provider: string, username: string): Promise<{ client: HttpClient; status: number; location: string | undefined }> {
    const client = createClient();
    const { response } = await signIn(client, {
      startUrl: `${proxy.url}/oauth2/start?provider=${encodeURIComponent(provider)}&rd=%2Fdash`,
      username,
      password: DEMO_PASSWORD,
    });
    return { client, status: response.status, location: header(response, 'location') };
  }

  async function upstreamSeen(client: HttpClient): Promise<{ status: number; headers: Record<string, string> }> {
    const r = await client.request(`${proxy.url}/dash`, { headers: { accept: 'application/json' } });
    return { status: r.status, headers: r.status === 200 ? JSON.parse(r.body).headers : {} };
  }

  it('offers one button per provider on the sign-in page, each a link to /oauth2/start?provider=', async () => {
    const r = await createClient().request(`${proxy.url}/oauth2/sign_in?rd=%2Fdash`);
    assert.equal(r.status, 200);
    const links = [...r.body.matchAll(/<a class="btn btn-primary" href="([^"]+)">Sign in with ([^<]+)</g)]
      .map((m) => [m[1]!.replaceAll('&amp;', '&'), m[2]]);
    assert.deepEqual(links, [
      [`/oauth2/start?provider=${encodeURIComponent(DEFAULT_ID)}&rd=%2Fdash`, 'Main IdP'],
      ['/oauth2/start?provider=corp&rd=%2Fdash', 'Corp'],
      ['/oauth2/start?provider=gh&rd=%2Fdash', 'GitHub'],
    ]);
  });

  it('signs in through each provider; the upstream sees that provider\'s user', async () => {
    const viaMain = await signInWith(DEFAULT_ID, 'alice');
    assert.equal(viaMain.status, 302);
    assert.equal(viaMain.location, '/dash');
    const a = await upstreamSeen(viaMain.client);
    assert.equal(a.status, 200);
    assert.equal(a.headers['x-forwarded-user'], 'alice');
    assert.equal(a.headers['x-forwarded-email'], 'alice@example.com');

    const viaCorp = await signInWith('corp', 'carol');
    assert.equal(viaCorp.status, 302);
    const c = await upstreamSeen(viaCorp.client);
    assert.equal(c.status, 200);
    assert.equal(c.headers['x-forwarded-user'], 'carol');
    assert.equal(c.headers['x-forwarded-email'], 'carol@corp.example');

    gh.nextUser = 'gus';
    const viaGitHub = await signInWith('gh', 'gus');
    assert.equal(viaGitHub.status, 302);
    const g = await upstreamSeen(viaGitHub.client);
    assert.equal(g.status, 200, 'the main provider\'s --allowed-group does not apply to GitHub sessions');
    assert.equal(g.headers['x-forwarded-user'], 'gus');
    assert.equal(g.headers['x-forwarded-email'], 'gus@example.com');
  });

  it('starts with the default provider without ?provider=, and refuses an unknown one with 400', async () => {
    const plain = await createClient().request(`${proxy.url}/oauth2/start?rd=%2F`);
    assert.equal(plain.status, 302);
    assert.ok(header(plain, 'location')!.startsWith(`${main.issuer}/`), header(plain, 'location'));

    const nope = await createClient().request(`${proxy.url}/oauth2/start?provider=nope`, { headers: { accept: 'application/json' } });
    assert.equal(nope.status, 400);
    assert.match(JSON.parse(nope.body).message, /^Unknown identity provider "nope"/);

    // A background request without a session is sent to the page with the choice, not to one provider.
    const api = await createClient().request(`${proxy.url}/dash`, { headers: { accept: 'application/json' } });
    assert.equal(api.status, 401);
    assert.equal(JSON.parse(api.body).sign_in_url, '/oauth2/sign_in?rd=%2Fdash');
  });

  it('refuses a callback whose state names another provider than the sign-in began with', async () => {
    const tokensBefore = main.stats.tokenRequests + corp.stats.tokenRequests;
    // Claiming the default provider (no tag) or another further one; a refused callback clears the
    // CSRF cookie, so each attempt starts a sign-in of its own.
    for (const tag of ['', '~gh']) {
      const client = createClient();
      const start = await client.request(`${proxy.url}/oauth2/start?provider=corp&rd=%2F`);
      const toIdp = new URL(header(start, 'location')!);
      assert.equal(toIdp.origin, new URL(corp.issuer).origin);
      const state = toIdp.searchParams.get('state')!;
      assert.match(state, /^[A-Za-z0-9_-]{43}~corp:\//);
      const forged = state.replace('~corp:', `${tag}:`);
      const r = await client.request(`${proxy.url}/oauth2/callback?code=anything&state=${encodeURIComponent(forged)}`);
      assert.equal(r.status, 403);
      assert.ok(!r.setCookies.some((c) => c.startsWith('_oauth2_proxy=') && !c.startsWith('_oauth2_proxy=;')), 'no session');
    }
    assert.equal(main.stats.tokenRequests + corp.stats.tokenRequests, tokensBefore, 'no code was redeemed');
    assert.match(proxy.logText(), /CSRF check failed: provider-mismatch/);
  });

  it('refreshes a session with the provider that issued it', async () => {
    const { client } = await signInWith('corp', 'carol');
    const mainBefore = main.stats.refreshRequests;
    const corpBefore = corp.stats.refreshRequests;
    for (let i = 0; i < 2; i++) {
      const seen = await upstreamSeen(client);
      assert.equal(seen.status, 200);
      assert.equal(seen.headers['x-forwarded-email'], 'carol@corp.example');
    }
    assert.ok(corp.stats.refreshRequests > corpBefore, 'corp refreshed its session');
    assert.equal(main.stats.refreshRequests, mainBefore, 'the main IdP never saw corp\'s refresh token');
  });

  it('sends RP-initiated sign-out to the issuing provider\'s end_session endpoint', async () => {
    for (const [provider, user, idp] of [['corp', 'carol', () => corp], [DEFAULT_ID, 'alice', () => main]] as const) {
      const { client } = await signInWith(provider, user);
      const out = await client.request(`${proxy.url}/oauth2/sign_out?rd=%2F`);
      assert.equal(out.status, 302);
      const end = new URL(header(out, 'location')!);
      assert.equal(`${end.origin}${end.pathname}`, `${idp().issuer}/session/end`);
      assert.ok(end.searchParams.get('id_token_hint'));
    }
  });

  it('applies each provider\'s allowed groups to its own sessions', async () => {
    // alice is in admins: enough for the main provider, not for corp (which wants staff).
    const refusals = () => proxy.logs.filter((l) => /none of --allowed-group/.test(String(l.msg ?? '') + String(l.reason ?? ''))).length;
    const before = refusals();
    const atCorp = await signInWith('corp', 'alice');
    assert.equal(atCorp.status, 403);
    // bob is not in admins: refused by the main provider.
    const atMain = await signInWith(DEFAULT_ID, 'bob');
    assert.equal(atMain.status, 403);
    assert.equal(refusals(), before + 2, 'both refused for their groups');
    // And alice, refused at corp, is let in by the main provider.
    const viaMain = await signInWith(DEFAULT_ID, 'alice');
    assert.equal(viaMain.status, 302);
    assert.equal((await upstreamSeen(viaMain.client)).status, 200);
  });

  it('treats a session of a provider that is no longer configured as signed out; shows the choice despite --skip-provider-button', async () => {
    const { client } = await signInWith('corp', 'carol');
    const cookie = client.cookieHeader(`${proxy.url}/dash`);
    // The same secret and cookie, but corp is gone from this configuration.
    const other = await startProxy(baseArgs({ issuer: main.issuer, upstream: echo.url, extra: [ghArg, '--skip-provider-button'] }));
    try {
      const r = await createClient().request(`${other.url}/dash`, { headers: { cookie, accept: 'application/json' } });
      assert.equal(r.status, 401);
      const page = await createClient().request(`${other.url}/dash`, { headers: { cookie, accept: 'text/html' } });
      assert.equal(page.status, 403, 'the sign-in page, not an error');
      assert.match(page.body, /Sign in with GitHub/);
      const signInPage = await createClient().request(`${other.url}/oauth2/sign_in`);
      assert.equal(signInPage.status, 200);
      assert.equal([...signInPage.body.matchAll(/<a class="btn btn-primary" href="\/oauth2\/start\?provider=/g)].length, 2);
    } finally {
      await other.close();
    }
  });
});
