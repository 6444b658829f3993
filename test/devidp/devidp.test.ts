import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { DEMO_USERS, startDevIdp, type DevIdp } from '../../src/devidp/index.js';
import { startCallbackServer, jwtPayload, type CallbackServer } from '../providers/helpers.js';
import { createClient, header, isRedirect, parseForms, signIn, type HttpClient } from '../support/http-client.js';

const CLIENT_ID = 'proxy';
const CLIENT_SECRET = 'proxy-secret';

function authUrl(idp: DevIdp, redirectUri: string, extra: Record<string, string> = {}): URL {
  const u = new URL('/auth', idp.issuer);
  u.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: 'openid email profile',
    state: 'state-123',
    nonce: 'nonce-456',
    ...extra,
  }).toString();
  return u;
}

function basicAuth(id = CLIENT_ID, secret = CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

async function tokenRequest(idp: DevIdp, params: Record<string, string>): Promise<Record<string, unknown>> {
  const res = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  const json = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

/** Follows the IdP's redirects from the authorization URL to its first page. */
async function openLoginPage(client: HttpClient, url: URL) {
  const first = await client.request(url);
  assert.equal(first.status, 303);
  const location = new URL(header(first, 'location')!, url);
  assert.match(location.pathname, /^\/interaction\/[\w-]+$/);
  const page = await client.request(location);
  return { page, location };
}

describe('dev IdP', () => {
  let idp: DevIdp;
  let cb: CallbackServer;

  before(async () => {
    cb = await startCallbackServer();
    idp = await startDevIdp({
      quiet: true,
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [cb.redirectUri], postLogoutRedirectUris: [`${cb.origin}/`] }],
    });
  });
  after(async () => {
    await idp.close();
    await cb.close();
  });

  it('binds 127.0.0.1 on a free port and publishes its discovery document', async () => {
    assert.equal(idp.issuer, `http://127.0.0.1:${idp.port}`);
    assert.ok(idp.port > 0);
    const doc = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(doc.issuer, idp.issuer);
    assert.equal(doc.authorization_endpoint, `${idp.issuer}/auth`);
    assert.equal(doc.token_endpoint, `${idp.issuer}/token`);
    assert.equal(doc.userinfo_endpoint, `${idp.issuer}/me`);
    assert.equal(doc.jwks_uri, `${idp.issuer}/jwks`);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    for (const scope of ['openid', 'email', 'profile', 'groups', 'offline_access']) {
      assert.ok((doc.scopes_supported as string[]).includes(scope), scope);
    }
    assert.ok((doc.claims_supported as string[]).includes('groups'));
  });

  it('does not answer on other loopback addresses', async () => {
    await assert.rejects(fetch(`http://127.0.0.2:${idp.port}/.well-known/openid-configuration`));
  });

  it('renders its own self-contained sign-in page listing the demo users', async () => {
    const { page } = await openLoginPage(createClient(), authUrl(idp, cb.redirectUri));
    assert.equal(page.status, 200);
    assert.match(String(header(page, 'content-type')), /^text\/html/);
    assert.match(String(header(page, 'content-security-policy')), /default-src 'none'/);
    assert.equal(header(page, 'cache-control'), 'no-store');
    const [form] = parseForms(page.body);
    assert.ok(form);
    assert.equal(form.method, 'POST');
    assert.match(form.action, /^\/interaction\/[\w-]+\/login$/);
    assert.deepEqual(
      form.inputs.map((i) => [i.name, i.type]),
      [
        ['username', 'text'],
        ['password', 'password'],
      ],
    );
    assert.match(page.body, /alice/);
    assert.match(page.body, /bob/);
    assert.match(page.body, /<code>password<\/code>/);
    assert.match(page.body, /to continue to <strong>proxy<\/strong>/);
    assert.doesNotMatch(page.body, /<script|<link|<img|https?:\/\/(?!127\.0\.0\.1)/i);
  });

  it('rejects a wrong password or an unknown user with the same clear message', async () => {
    const client = createClient();
    const { location } = await openLoginPage(client, authUrl(idp, cb.redirectUri));
    const loginUrl = new URL(`${location.pathname}/login`, idp.issuer);
    for (const [username, password] of [
      ['alice', 'not-the-password'],
      ['mallory', 'password'],
    ] as const) {
      const res = await client.request(loginUrl, { body: { username, password } });
      assert.equal(res.status, 401);
      assert.match(res.body, /Invalid username or password\./);
      assert.match(res.body, new RegExp(`value="${username}"`));
    }
    // The same interaction still accepts the right credentials afterwards.
    const ok = await client.request(loginUrl, { body: { username: 'alice', password: 'password' } });
    assert.equal(ok.status, 303);
  });

  it('signs in, redirects back with a code and records the authorization parameters', async () => {
    const url = authUrl(idp, cb.redirectUri, { code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    const { response, visited } = await signIn(createClient(), { startUrl: url, username: 'bob', password: 'password', stopAt: cb.origin });
    assert.equal(response.status, 200);
    const back = new URL(response.url);
    assert.equal(back.origin + back.pathname, cb.redirectUri);
    assert.equal(back.searchParams.get('state'), 'state-123');
    assert.equal(back.searchParams.get('iss'), idp.issuer);
    assert.ok(back.searchParams.get('code'));
    assert.equal(visited.filter((v) => v.endsWith('/login')).length, 1);
    assert.equal(idp.stats.lastAuthParams?.nonce, 'nonce-456');
    assert.equal(idp.stats.lastAuthParams?.code_challenge_method, 'S256');
    assert.equal(idp.stats.lastAuthParams?.client_id, CLIENT_ID);
  });

  it('issues ID tokens with the user claims and refresh tokens without offline_access, and counts token requests', async () => {
    const { response } = await signIn(createClient(), {
      startUrl: authUrl(idp, cb.redirectUri),
      username: 'alice',
      password: 'password',
      stopAt: cb.origin,
    });
    const code = new URL(response.url).searchParams.get('code')!;
    const before = { ...idp.stats };
    const tokens = await tokenRequest(idp, { grant_type: 'authorization_code', code, redirect_uri: cb.redirectUri });
    assert.equal(idp.stats.tokenRequests, before.tokenRequests + 1);
    assert.equal(idp.stats.refreshRequests, before.refreshRequests);
    assert.equal(typeof tokens.refresh_token, 'string');
    const claims = jwtPayload(tokens.id_token as string);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.email, 'alice@example.com');
    assert.equal(claims.email_verified, true);
    assert.equal(claims.name, DEMO_USERS.alice!.name);
    assert.equal(claims.preferred_username, 'alice');
    assert.deepEqual(claims.groups, ['admins', 'developers']);
    assert.equal(claims.nonce, 'nonce-456');
    assert.equal(claims.password, undefined);

    const refreshed = await tokenRequest(idp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
    assert.equal(idp.stats.tokenRequests, before.tokenRequests + 2);
    assert.equal(idp.stats.refreshRequests, before.refreshRequests + 1);
    assert.equal(refreshed.refresh_token, tokens.refresh_token, 'no rotation unless asked for');
  });

  it('remembers the signed-in user for the next authorization request', async () => {
    const client = createClient();
    await signIn(client, { startUrl: authUrl(idp, cb.redirectUri), username: 'alice', password: 'password', stopAt: cb.origin });
    const again = await signIn(client, {
      startUrl: authUrl(idp, cb.redirectUri, { state: 'second' }),
      username: 'unused',
      password: 'unused',
      stopAt: cb.origin,
    });
    assert.equal(new URL(again.response.url).searchParams.get('state'), 'second');
    assert.ok(!again.visited.some((v) => v.includes('/interaction/')), again.visited.join('\n'));
  });

  it('grants consent automatically when the client forces prompt=consent', async () => {
    const client = createClient();
    await signIn(client, { startUrl: authUrl(idp, cb.redirectUri), username: 'alice', password: 'password', stopAt: cb.origin });
    const again = await signIn(client, {
      startUrl: authUrl(idp, cb.redirectUri, { prompt: 'consent', scope: 'openid email groups offline_access' }),
      username: 'unused',
      password: 'unused',
      stopAt: cb.origin,
    });
    const back = new URL(again.response.url);
    assert.ok(back.searchParams.get('code'), back.href);
    assert.ok(again.visited.some((v) => /\/interaction\/[\w-]+$/.test(v)), 'went through the consent interaction');
  });

  it('sends the user back with access_denied when the sign-in is cancelled', async () => {
    const client = createClient();
    const { page, location } = await openLoginPage(client, authUrl(idp, cb.redirectUri));
    const abortHref = /href="([^"]*\/abort)"/.exec(page.body)?.[1];
    assert.equal(abortHref, `${location.pathname}/abort`);
    let res = await client.request(new URL(abortHref!, idp.issuer));
    while (isRedirect(res) && !res.url.startsWith(cb.origin)) res = await client.request(new URL(header(res, 'location')!, res.url));
    const back = new URL(res.url);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), 'state-123');
  });

  it('explains a stale or foreign interaction link instead of acting on it', async () => {
    const res = await createClient().request(`${idp.issuer}/interaction/not-a-real-interaction`);
    assert.equal(res.status, 400);
    assert.match(res.body, /Sign-in expired/);

    // A cookie for one sign-in does not make another interaction's URL usable.
    const client = createClient();
    await openLoginPage(client, authUrl(idp, cb.redirectUri));
    const other = await client.request(`${idp.issuer}/interaction/some-other-uid/login`, {
      body: { username: 'alice', password: 'password' },
    });
    assert.equal(other.status, 400);
  });

  it('renders protocol errors on its own page', async () => {
    const res = await createClient().request(authUrl(idp, 'http://127.0.0.1:1/not-registered'));
    assert.equal(res.status, 400);
    assert.match(res.body, /Sign-in error/);
    assert.match(res.body, /invalid_redirect_uri/);
    assert.match(String(header(res, 'content-security-policy')), /default-src 'none'/);
  });

  it('asks a signed-in user to confirm sign-out on its own page, then signs them out', async () => {
    const client = createClient();
    await signIn(client, { startUrl: authUrl(idp, cb.redirectUri), username: 'alice', password: 'password', stopAt: cb.origin });
    const res = await client.request(`${idp.issuer}/session/end?client_id=${CLIENT_ID}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /Sign out\?/);
    assert.match(String(header(res, 'content-security-policy')), /default-src 'none'/);
    const form = parseForms(res.body).find((f) => f.inputs.some((i) => i.name === 'xsrf'));
    assert.ok(form, 'the confirmation form carries the anti-forgery token');
    const fields = new URLSearchParams(form.inputs.map((i): [string, string] => [i.name, i.value]));
    fields.set('logout', 'yes');
    const done = await client.request(new URL(form.action, idp.issuer), { body: fields });
    let last = done;
    while (isRedirect(last)) last = await client.request(new URL(header(last, 'location')!, last.url));
    assert.match(last.body, /signed out/i);
    // Signed out at the IdP: the next authorization asks for credentials again.
    const { page } = await openLoginPage(client, authUrl(idp, cb.redirectUri));
    assert.match(page.body, /name="password"/);
  });
});

describe('dev IdP options', () => {
  it('takes custom users with their own passwords and lists them', async () => {
    const cb = await startCallbackServer();
    const idp = await startDevIdp({
      quiet: true,
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [cb.redirectUri] }],
      users: { zoe: { password: 's3cret', email: 'zoe@example.org', department: 'research' }, yan: { email: 'yan@example.org' } },
    });
    try {
      const client = createClient();
      const { page, location } = await openLoginPage(client, authUrl(idp, cb.redirectUri));
      assert.match(page.body, /zoe/);
      assert.match(page.body, /yan/);
      assert.match(page.body, /Users without a password of their own use <code>password<\/code>/);
      const loginUrl = new URL(`${location.pathname}/login`, idp.issuer);
      assert.equal((await client.request(loginUrl, { body: { username: 'zoe', password: 'password' } })).status, 401);
      assert.equal((await client.request(loginUrl, { body: { username: 'zoe', password: 's3cret' } })).status, 303);

      const { response } = await signIn(createClient(), { startUrl: authUrl(idp, cb.redirectUri), username: 'zoe', password: 's3cret', stopAt: cb.origin });
      const code = new URL(response.url).searchParams.get('code')!;
      const tokens = await tokenRequest(idp, { grant_type: 'authorization_code', code, redirect_uri: cb.redirectUri });
      const claims = jwtPayload(tokens.id_token as string);
      assert.equal(claims.department, 'research', 'custom claims are released');
      assert.equal(claims.password, undefined);
    } finally {
      await idp.close();
      await cb.close();
    }
  });

  it('accepts a loopback redirect URI on any port only for clients that ask for it', async () => {
    const idp = await startDevIdp({
      quiet: true,
      clients: [
        { clientId: 'loose', clientSecret: 'x', redirectUris: ['http://127.0.0.1/cb'], anyLoopbackPort: true },
        { clientId: 'strict', clientSecret: 'x', redirectUris: ['http://127.0.0.1:5000/cb'] },
      ],
    });
    try {
      const client = createClient();
      const status = async (clientId: string, redirectUri: string) =>
        (await client.request(authUrl(idp, redirectUri, { client_id: clientId }))).status;
      assert.equal(await status('loose', 'http://127.0.0.1:45678/cb'), 303);
      assert.equal(await status('loose', 'http://127.0.0.1:45678/other'), 400);
      assert.equal(await status('loose', 'http://localhost:45678/cb'), 400);
      assert.equal(await status('strict', 'http://127.0.0.1:5000/cb'), 303);
      assert.equal(await status('strict', 'http://127.0.0.1:5001/cb'), 400);
    } finally {
      await idp.close();
    }
  });

  it('rotates refresh tokens when asked to', async () => {
    const cb = await startCallbackServer();
    const idp = await startDevIdp({
      quiet: true,
      rotateRefreshToken: true,
      accessTokenTtl: 120,
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [cb.redirectUri] }],
    });
    try {
      const { response } = await signIn(createClient(), { startUrl: authUrl(idp, cb.redirectUri), username: 'bob', password: 'password', stopAt: cb.origin });
      const code = new URL(response.url).searchParams.get('code')!;
      const tokens = await tokenRequest(idp, { grant_type: 'authorization_code', code, redirect_uri: cb.redirectUri });
      assert.equal(tokens.expires_in, 120);
      const refreshed = await tokenRequest(idp, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
      assert.equal(idp.stats.refreshRequests, 1);
    } finally {
      await idp.close();
      await cb.close();
    }
  });

  it('closes every socket, including idle keep-alive connections, and can be closed twice', async () => {
    const idp = await startDevIdp({ quiet: true, clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: ['http://127.0.0.1:1/cb'] }] });
    const client = createClient();
    // Leaves a pooled keep-alive connection open to the IdP.
    assert.equal((await client.request(`${idp.issuer}/.well-known/openid-configuration`)).status, 200);
    await idp.close();
    await idp.close();
    await assert.rejects(client.request(`${idp.issuer}/.well-known/openid-configuration`));
  });
});
