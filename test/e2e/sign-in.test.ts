// The whole sign-in over HTTP: a real OpenID Provider, the proxy and the reflecting echo upstream.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { baseArgs, startProxy } from '../support/proxy.js';
import { startStack, type Stack } from '../support/stack.js';

describe('sign-in flow', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ args: ['--set-xauthrequest=true', '--cookie-samesite=lax'] });
  });
  after(() => s.close());

  it('shows the sign-in page with 403 to an unauthenticated browser', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/some/page?x=1`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.match(r.headers['content-type'] as string, /text\/html/);
    assert.match(r.body, /\/oauth2\/start/);
    assert.match(r.body, /name="rd" value="\/some\/page\?x=1"/);
    assert.equal(s.echo.requests.length, 0, 'nothing reaches the upstream');
  });

  it('answers 401 JSON to API clients', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/api/items`, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 401);
    const body = JSON.parse(r.body);
    assert.equal(body.code, 'UNAUTHORIZED');
    assert.match(body.sign_in_url, /^\/oauth2\/start\?rd=/);
  });

  it('signs in and reaches the upstream with the identity headers', async () => {
    const client = s.newClient();
    const { response, visited } = await s.signIn(client, 'alice', '/hello?greet=1');
    assert.equal(response.status, 200, response.body);
    assert.ok(visited.some((u) => u.startsWith(s.idp.issuer)), 'went through the provider');
    const seen = JSON.parse(response.body);
    assert.equal(seen.url, '/hello?greet=1');
    assert.equal(seen.headers['x-forwarded-user'], 'alice');
    assert.equal(seen.headers['x-forwarded-email'], 'alice@example.com');
    assert.equal(seen.headers['x-forwarded-preferred-username'], 'alice');
    assert.equal(seen.headers['x-forwarded-groups'], 'admins,developers');
    assert.equal(seen.headers['x-auth-request-user'], 'alice');
    assert.equal(seen.headers['x-auth-request-email'], 'alice@example.com');
    assert.equal(seen.headers.authorization, undefined, 'no bearer token unless asked');
    assert.equal(seen.headers.cookie, undefined, "the proxy's own cookies are not forwarded");
  });

  it('sets the session cookie with the configured attributes', async () => {
    const client = s.newClient();
    const { setCookies } = await s.signIn(client, 'bob');
    const session = setCookies.find((c) => c.startsWith('_oauth2_proxy='));
    assert.ok(session, `session cookie set: ${setCookies.join(' | ')}`);
    assert.match(session, /; Path=\//);
    assert.match(session, /; Max-Age=604800/);
    assert.match(session, /; HttpOnly/);
    assert.match(session, /; SameSite=Lax/);
    assert.doesNotMatch(session, /; Secure/, '--cookie-secure=false');
    const value = session.split(';')[0].slice('_oauth2_proxy='.length);
    assert.equal(value.split('|').length, 3, 'oauth2-proxy signed value format');
    assert.ok(setCookies.some((c) => c.startsWith('_oauth2_proxy_csrf=;') && /Max-Age=0/.test(c)), 'CSRF cookie cleared after the callback');
  });

  it('serves /oauth2/userinfo and /oauth2/auth for a session', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const info = await client.request(`${s.proxy.url}/oauth2/userinfo`);
    assert.equal(info.status, 200);
    assert.deepEqual(JSON.parse(info.body), { user: 'alice', email: 'alice@example.com', groups: ['admins', 'developers'], preferredUsername: 'alice' });

    const ok = await client.request(`${s.proxy.url}/oauth2/auth`);
    assert.equal(ok.status, 202);
    assert.equal(ok.headers['x-auth-request-user'], 'alice');
    assert.equal(ok.headers['x-auth-request-email'], 'alice@example.com');
    assert.equal(ok.headers['x-auth-request-groups'], 'admins,developers');
    assert.equal(ok.headers['location'], undefined);

    const filtered = await client.request(`${s.proxy.url}/oauth2/auth?allowed_groups=ops`);
    assert.equal(filtered.status, 403);
    const allowed = await client.request(`${s.proxy.url}/oauth2/auth?allowed_groups=ops,admins&allowed_email_domains=example.com`);
    assert.equal(allowed.status, 202);

    const anon = await s.anonymous.request(`${s.proxy.url}/oauth2/auth`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.location, undefined, '/oauth2/auth never redirects');
  });

  it('signs out, clears the cookie and honours a safe rd', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const out = await client.request(`${s.proxy.url}/oauth2/sign_out?rd=%2Fgoodbye`);
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, '/goodbye');
    assert.ok(out.setCookies.some((c) => c.startsWith('_oauth2_proxy=') && /Max-Age=0|Expires=Thu, 01 Jan 1970/.test(c)));
    const after = await client.request(`${s.proxy.url}/`, { headers: { accept: 'text/html' } });
    assert.equal(after.status, 403);
  });

  it('visiting the sign-in page ends the session, as oauth2-proxy does since GHSA-f24x-5g9q-753f', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    assert.equal((await client.request(`${s.proxy.url}/private`)).status, 200);
    const page = await client.request(`${s.proxy.url}/oauth2/sign_in`);
    assert.equal(page.status, 200);
    assert.ok(page.setCookies.some((c) => c.startsWith('_oauth2_proxy=') && /Max-Age=0/.test(c)), 'session cookie cleared');
    assert.equal((await client.request(`${s.proxy.url}/private`, { headers: { accept: 'text/html' } })).status, 403);
  });

  it('refuses an unsafe rd on sign-out', async () => {
    const out = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_out?rd=${encodeURIComponent('https://evil.example/')}`);
    assert.equal(out.status, 302);
    assert.equal(out.headers.location, '/');
  });

  it('answers the probes and robots.txt before any authentication', async () => {
    for (const [path, body] of [['/ping', 'OK'], ['/ready', 'OK'], ['/robots.txt', 'User-agent: *\nDisallow: /\n']]) {
      const r = await s.anonymous.request(`${s.proxy.url}${path}`);
      assert.equal(r.status, 200, path);
      assert.equal(r.body, body);
    }
  });

  it('marks its own pages uncacheable, and 404s unknown ones', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_in`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['cache-control'], 'no-cache, no-store, must-revalidate, max-age=0');
    const missing = await s.anonymous.request(`${s.proxy.url}/oauth2/nothing-here`, { headers: { accept: 'text/html' } });
    assert.equal(missing.status, 404);
  });

  it('logs the sign-in without any secret, token or cookie value', async () => {
    const client = s.newClient();
    await s.signIn(client, 'alice');
    const text = s.proxy.logText();
    assert.match(text, /"status":"AuthSuccess"/);
    assert.match(text, /"msg":"request"/);
    for (const secret of ['proxy-secret', s.cookieSecret]) assert.ok(!text.includes(secret), 'secret in logs');
    const cookie = client.cookieHeader(s.proxy.url);
    const sessionValue = cookie.split('_oauth2_proxy=')[1]?.split(';')[0] ?? '';
    assert.ok(sessionValue.length > 20);
    assert.ok(!text.includes(sessionValue.slice(0, 20)), 'cookie value in logs');
    assert.ok(!/[?&]code=/.test(text), 'authorization code in logs');
  });
});

describe('sign-in variants', () => {
  it('--skip-provider-button sends an unauthenticated browser straight to the provider', async () => {
    const s = await startStack({ args: ['--skip-provider-button=true'] });
    try {
      const r = await s.anonymous.request(`${s.proxy.url}/deep/link`, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 302);
      const loc = new URL(r.headers.location as string);
      assert.equal(loc.origin, new URL(s.idp.issuer).origin);
      assert.equal(loc.searchParams.get('client_id'), 'proxy');
      assert.match(loc.searchParams.get('state') ?? '', /:\/deep\/link$/);
      assert.ok(loc.searchParams.get('nonce'), 'nonce sent by default');
      assert.equal(loc.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(r.setCookies.some((c) => c.startsWith('_oauth2_proxy_csrf=')));
    } finally {
      await s.close();
    }
  });

  it('by default cookies are Secure and the derived callback URL is https, as in oauth2-proxy', async () => {
    const secure = await startStack({});
    try {
      // The stack turns --cookie-secure off; a proxy started with the default keeps it on.
      const p = await startProxy(baseArgs({ issuer: secure.idp.issuer, upstream: secure.echo.url }).filter((a) => a !== '--cookie-secure=false'));
      try {
        const r = await secure.anonymous.request(`${p.url}/oauth2/start?rd=%2F`);
        assert.equal(r.status, 302);
        assert.equal(new URL(r.headers.location as string).searchParams.get('redirect_uri'), `https://127.0.0.1:${p.port}/oauth2/callback`);
        assert.ok(r.setCookies.some((c) => c.startsWith('_oauth2_proxy_csrf=') && / Secure/.test(c) && / HttpOnly/.test(c)));
      } finally {
        await p.close();
      }
    } finally {
      await secure.close();
    }
  });

  it('--set-authorization-header answers /oauth2/auth with the ID token', async () => {
    const s = await startStack({ args: ['--set-authorization-header=true'] });
    try {
      const client = s.newClient();
      await s.signIn(client, 'alice');
      const r = await client.request(`${s.proxy.url}/oauth2/auth`);
      assert.equal(r.status, 202);
      assert.match(String(r.headers.authorization), /^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(r.headers['gap-auth'], 'alice@example.com');
    } finally {
      await s.close();
    }
  });

  it('--force-json-errors answers 401 JSON even to browsers', async () => {
    const s = await startStack({ args: ['--force-json-errors=true'] });
    try {
      const r = await s.anonymous.request(`${s.proxy.url}/`, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 401);
      assert.match(r.headers['content-type'] as string, /application\/json/);
    } finally {
      await s.close();
    }
  });

  it('refuses a user outside --email-domain with 403 and no session', async () => {
    const s = await startStack({ args: ['--email-domain=other.org'], emailDomainsOverride: true });
    try {
      const client = s.newClient();
      const { response, setCookies } = await s.signIn(client, 'alice');
      assert.equal(response.status, 403);
      assert.ok(!setCookies.some((c) => c.startsWith('_oauth2_proxy=') && !/Max-Age=0/.test(c)), 'no session cookie');
      assert.match(s.proxy.logText(), /AuthFailure/);
    } finally {
      await s.close();
    }
  });

  it('refuses an unverified email, and accepts it with --insecure-oidc-allow-unverified-email', async () => {
    const users = { carol: { email: 'carol@example.com', email_verified: false, groups: [] } };
    const strict = await startStack({ users });
    try {
      const { response } = await strict.signIn(strict.newClient(), 'carol');
      assert.equal(response.status, 403);
      assert.match(response.body, /not verified/);
    } finally {
      await strict.close();
    }
    const lax = await startStack({ users, args: ['--insecure-oidc-allow-unverified-email=true'] });
    try {
      const { response } = await lax.signIn(lax.newClient(), 'carol');
      assert.equal(response.status, 200);
      assert.equal(JSON.parse(response.body).headers['x-forwarded-email'], 'carol@example.com');
    } finally {
      await lax.close();
    }
  });
});
