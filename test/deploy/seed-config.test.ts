// The seed's configuration runs as written: the executable started the way the kubelet starts the
// sidecar container (the base's ConfigMaps mounted as files, the Deployment's env with the Secret
// filled in) serves a full sign-in. Only what a test cannot have is changed, through env (which
// takes precedence over the file): the issuer (the test OpenID Provider), the listen address and
// redirect URL (a free loopback port), the upstream (a reflecting echo server).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, header, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, DEMO_USERS, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { startBin, type Started } from '../support/spawn.js';
import { kustomize } from './k8s.js';
import { mountSidecar, type MountedPod } from './seed.js';

describe('the base configuration, run as the sidecar container', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let pod: MountedPod;
  let proxy: Started;
  let url: string;

  before(async () => {
    idp = await startTestIdp({ users: { ...DEMO_USERS, mallory: { email: 'mallory@elsewhere.test', email_verified: true } } });
    echo = await startEchoUpstream();
    pod = mountSidecar(kustomize('deploy/kubernetes/base'), 'app');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proxy = await startBin(pod.args, {
      ...pod.env,
      OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer,
      OAUTH2_PROXY_HTTP_ADDRESS: `127.0.0.1:${port}`,
      OAUTH2_PROXY_REDIRECT_URL: `${url}/oauth2/callback`,
      OAUTH2_PROXY_UPSTREAMS: echo.url,
    }, /"msg":"listening"/);
  });

  after(async () => {
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGKILL');
      await proxy.exited;
    }
    await echo?.close();
    await idp?.close();
    pod?.cleanup();
  });

  it('answers the probes the Deployment declares', async () => {
    const client = createClient();
    assert.equal((await client.request(`${url}/ping`)).status, 200);
    assert.equal((await client.request(`${url}/ready`)).status, 200);
  });

  it('skips the provider button: a browser goes straight to the identity provider', async () => {
    const res = await createClient().request(`${url}/some/page`, { headers: { accept: 'text/html' } });
    assert.equal(res.status, 302);
    assert.ok(header(res, 'location')!.startsWith(idp.issuer), header(res, 'location'));
  });

  it('signs a user of the allowed email domain in; the app sees who it is', async () => {
    const client = createClient();
    const setCookies: string[] = [];
    const original = client.request.bind(client);
    client.request = async (u, init) => {
      const r = await original(u, init);
      if (new URL(u).origin === url) setCookies.push(...r.setCookies);
      return r;
    };
    const { response } = await signIn(client, { startUrl: `${url}/oauth2/start?rd=%2Fhello`, username: 'alice', password: DEMO_PASSWORD });
    assert.equal(response.status, 302);
    assert.equal(header(response, 'location'), '/hello');

    const session = setCookies.find((c) => c.startsWith('_oauth2_proxy='));
    assert.ok(session, 'the session cookie has the configured name');
    assert.match(session, /; Domain=example\.com/i);
    assert.match(session, /; Secure/i);
    assert.match(session, /; HttpOnly/i);
    assert.match(session, /; SameSite=Lax/i);
    const maxAge = Number(/Max-Age=(\d+)/i.exec(session)?.[1]);
    assert.equal(maxAge, 168 * 3600, 'cookie_expire = "168h"');

    const page = await client.request(`${url}/hello`);
    assert.equal(page.status, 200);
    const seen = JSON.parse(page.body) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/hello');
    assert.equal(seen.headers['x-auth-request-email'], 'alice@example.com');
    assert.equal(seen.headers['x-forwarded-email'], 'alice@example.com');
    assert.ok(seen.headers['x-auth-request-user'], 'X-Auth-Request-User reaches the app');
    assert.equal(seen.headers['x-forwarded-user'], seen.headers['x-auth-request-user']);
    assert.equal(seen.headers['x-auth-request-preferred-username'], 'alice');
    assert.equal(seen.headers.authorization, undefined, 'pass_authorization_header = false');
    assert.equal(seen.headers['x-forwarded-access-token'], undefined, 'pass_access_token = false');
  });

  it('refuses a user outside the email domain with the custom error template', async () => {
    const client = createClient();
    const { response } = await signIn(client, { startUrl: `${url}/oauth2/start?rd=%2F`, username: 'mallory', password: DEMO_PASSWORD });
    assert.equal(response.status, 403);
    assert.match(response.body, /Sign in again/, 'error.html from the oauth2-proxy-templates ConfigMap');
    assert.equal(echo.requests.filter((r) => r.headers['x-forwarded-email'] === 'mallory@elsewhere.test').length, 0);
  });

  it('logs JSON lines without secrets, and drains and exits 0 on SIGTERM (as the kubelet stops it)', async () => {
    const lines = proxy.output().split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length > 0);
    for (const l of lines) assert.doesNotThrow(() => JSON.parse(l), l);
    for (const secret of [pod.env.OAUTH2_PROXY_CLIENT_SECRET!, pod.env.OAUTH2_PROXY_COOKIE_SECRET!]) {
      assert.ok(!proxy.output().includes(secret), 'no secret in the logs');
    }
    proxy.child.kill('SIGTERM');
    assert.equal(await proxy.exited, 0);
  });
});
