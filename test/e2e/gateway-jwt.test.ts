// Bearer JWTs from the real OpenID Provider: client_credentials access tokens (an extra issuer
// audience) and ID tokens (the provider's own issuer, audience = client id) are sessions; anything
// else is anonymous, or refused with --bearer-token-login-fallback=false.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawRequest } from '../support/raw-http.js';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { baseArgs, startProxy, type RunningProxy } from '../support/proxy.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';

async function clientCredentialsToken(idp: DevIdp): Promise<string> {
  const r = await fetch(`${idp.issuer}/token`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from('proxy:proxy-secret').toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const j = (await r.json()) as { access_token?: string };
  assert.ok(j.access_token, 'the IdP issued a token');
  return j.access_token;
}

describe('bearer JWTs from the OpenID Provider', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let proxy: RunningProxy;
  let strict: RunningProxy;
  let accessToken: string;
  let idToken: string;

  before(async () => {
    idp = await startTestIdp({ clientCredentials: true });
    echo = await startEchoUpstream();
    const common = ['--skip-jwt-bearer-tokens=true', `--extra-jwt-issuers=${idp.issuer}=${idp.issuer}/api`, '--set-xauthrequest=true', '--pass-authorization-header=true'];
    proxy = await startProxy(baseArgs({ issuer: idp.issuer, upstream: echo.url, extra: common }));
    strict = await startProxy(baseArgs({ issuer: idp.issuer, upstream: echo.url, extra: [...common, '--bearer-token-login-fallback=false'] }));
    accessToken = await clientCredentialsToken(idp);
    // An ID token for alice, as the upstream receives it with --pass-authorization-header.
    const browser = createClient();
    await signIn(browser, { startUrl: `${proxy.url}/oauth2/start?rd=/`, username: 'alice', password: DEMO_PASSWORD });
    const seen = JSON.parse((await browser.request(`${proxy.url}/`)).body) as { headers: Record<string, string> };
    idToken = seen.headers.authorization!.slice('Bearer '.length);
  });
  after(async () => {
    await proxy?.close();
    await strict?.close();
    await echo?.close();
    await idp?.close();
  });

  const call = (p: RunningProxy, path: string, authorization?: string) =>
    rawRequest(p.port, { path, headers: authorization ? { authorization, 'X-Forwarded-User': 'mallory' } : {} });

  it('accepts a client_credentials access token for the extra issuer audience', async () => {
    const r = await call(proxy, '/orders', `Bearer ${accessToken}`);
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-forwarded-user'], 'proxy');
    assert.equal(seen.headers['x-forwarded-email'], undefined);
  });

  it('accepts the provider ID token (audience = client id) and passes its identity', async () => {
    const r = await call(proxy, '/orders', `Bearer ${idToken}`);
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-forwarded-user'], 'alice');
    assert.equal(seen.headers['x-forwarded-email'], 'alice@example.com');
    assert.equal(seen.headers['x-forwarded-groups'], 'admins,developers');
  });

  it('accepts the token as a Basic user name with x-oauth-basic', async () => {
    const basic = 'Basic ' + Buffer.from(`${accessToken}:x-oauth-basic`).toString('base64');
    assert.equal((await call(proxy, '/orders', basic)).status, 200);
  });

  it('answers /oauth2/auth with 202 and the identity', async () => {
    const r = await call(proxy, '/oauth2/auth', `Bearer ${idToken}`);
    assert.equal(r.status, 202);
    assert.equal(r.headers['x-auth-request-user'], 'alice');
  });

  const tampered = () => {
    const [h, p, s] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
  };

  it('treats an invalid token as anonymous by default', async () => {
    const before = echo.requests.length;
    for (const token of [tampered(), 'not.a.jwt', accessToken.split('.').slice(0, 2).join('.') + '.']) {
      const r = await call(proxy, '/orders', `Bearer ${token}`);
      assert.equal(r.status, 403);
      assert.match(r.body, /Sign in/);
      assert.equal((await call(proxy, '/oauth2/auth', `Bearer ${token}`)).status, 401);
    }
    assert.equal(echo.requests.length, before);
  });

  it('refuses an invalid token with 403 with --bearer-token-login-fallback=false', async () => {
    const r = await rawRequest(strict.port, { path: '/orders', headers: { authorization: `Bearer ${tampered()}`, accept: 'application/json' } });
    assert.equal(r.status, 403);
    assert.equal((JSON.parse(r.body) as { code: string }).code, 'FORBIDDEN');
    assert.equal((await call(strict, '/oauth2/auth', `Bearer ${tampered()}`)).status, 403);
    assert.equal((await call(strict, '/orders', `Bearer ${accessToken}`)).status, 200);
  });

  it('never writes the token into the logs', () => {
    assert.ok(!proxy.logText().includes(accessToken.split('.')[2]!));
    assert.ok(!strict.logText().includes(accessToken.split('.')[2]!));
  });
});
