// htpasswd users end to end: the login form (POST /oauth2/sign_in), Basic credentials on requests
// and on /oauth2/auth, the identity and Basic header the upstream sees, and throttling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { header } from '../support/http-client.js';
import { apr1Line, bcryptLine, htpasswdFile, shaLine, type HtpasswdFile } from '../support/htpasswd.js';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';

const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

describe('htpasswd sign-in', () => {
  let s: Stack;
  let file: HtpasswdFile;
  before(async () => {
    file = htpasswdFile([bcryptLine('ann', 'ann-pw'), shaLine('dan', 'dan-pw'), apr1Line('eve', 'eve-pw'), bcryptLine('zed', 'zed-pw')]);
    s = await startStack({
      args: [
        `--htpasswd-file=${file.path}`, '--htpasswd-user-group=staff', '--allowed-group=staff',
        '--basic-auth-password=to-upstream', '--set-xauthrequest=true', '--set-basic-auth=true',
      ],
    });
  });
  after(async () => {
    await s?.close();
    file?.remove();
  });

  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    s.newClient().request(`${s.proxy.url}/oauth2/sign_in`, { method: 'POST', body: form, headers });

  it('shows the username and password form on the sign-in page', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_in`);
    assert.equal(r.status, 200);
    assert.match(r.body, /<form method="POST" action="\/oauth2\/sign_in">/);
    assert.match(r.body, /name="password"/);
  });

  it('signs in with the form, then passes the identity and a Basic header upstream', async () => {
    const client = s.newClient();
    const r = await client.request(`${s.proxy.url}/oauth2/sign_in`, { method: 'POST', body: { username: 'ann', password: 'ann-pw', rd: '/dest?x=1' } });
    assert.equal(r.status, 302);
    assert.equal(header(r, 'location'), '/dest?x=1');
    assert.ok(r.setCookies.some((c) => c.startsWith('_oauth2_proxy=')));
    const page = await client.request(`${s.proxy.url}/dest?x=1`);
    assert.equal(page.status, 200);
    const seen = JSON.parse(page.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-forwarded-user'], 'ann');
    assert.equal(seen.headers['x-forwarded-groups'], 'staff');
    assert.equal(seen.headers['x-forwarded-email'], undefined);
    assert.equal(seen.headers.authorization, basic('ann', 'to-upstream'));
  });

  for (const [name, form] of [
    ['a wrong password', { username: 'ann', password: 'wrong' }],
    ['an unknown user', { username: 'nobody', password: 'ann-pw' }],
  ] as const) {
    it(`answers ${name} with the page and 401`, async () => {
      const r = await post({ ...form, rd: '/' });
      assert.equal(r.status, 401);
      assert.match(r.body, /username or password is incorrect/);
      assert.ok(!r.setCookies.some((c) => c.startsWith('_oauth2_proxy=') && !/Expires=Thu, 01 Jan 1970/i.test(c)));
    });
  }

  it('answers an empty form with 400', async () => {
    assert.equal((await post({ username: 'ann', password: '' })).status, 400);
  });

  it('refuses a form posted from another site', async () => {
    assert.equal((await post({ username: 'ann', password: 'ann-pw' }, { origin: 'http://evil.example' })).status, 403);
  });

  it('accepts Basic credentials of every hash kind on requests', async () => {
    for (const [u, p] of [['ann', 'ann-pw'], ['dan', 'dan-pw'], ['eve', 'eve-pw']]) {
      const r = await rawRequest(s.proxy.port, { path: '/api', headers: { authorization: basic(u!, p!) } });
      assert.equal(r.status, 200, u);
      const seen = JSON.parse(r.body) as { headers: Record<string, string> };
      assert.equal(seen.headers['x-forwarded-user'], u);
      // The client's own credentials are replaced, never forwarded.
      assert.equal(seen.headers.authorization, basic(u!, 'to-upstream'));
    }
    assert.equal((await rawRequest(s.proxy.port, { path: '/api', headers: { authorization: basic('ann', 'nope') } })).status, 403);
  });

  it('answers /oauth2/auth for Basic credentials', async () => {
    const ok = await rawRequest(s.proxy.port, { path: '/oauth2/auth', headers: { authorization: basic('dan', 'dan-pw') } });
    assert.equal(ok.status, 202);
    assert.equal(ok.headers['x-auth-request-user'], 'dan');
    assert.equal(ok.headers['x-auth-request-groups'], 'staff');
    assert.equal(ok.headers.authorization, basic('dan', 'to-upstream'));
    assert.equal((await rawRequest(s.proxy.port, { path: '/oauth2/auth', headers: { authorization: basic('dan', 'x') } })).status, 401);
  });

  it('throttles repeated failures for one user, even with the right password afterwards', async () => {
    for (let i = 0; i < 10; i++) assert.equal((await post({ username: 'zed', password: `guess-${i}` })).status, 401);
    assert.equal((await post({ username: 'zed', password: 'zed-pw' })).status, 429);
    assert.equal((await rawRequest(s.proxy.port, { path: '/oauth2/auth', headers: { authorization: basic('zed', 'zed-pw') } })).status, 429);
    assert.equal((await post({ username: 'ann', password: 'ann-pw' })).status, 302, 'other users unaffected');
  });

  it('never logs a password', () => {
    const text = s.proxy.logText();
    for (const p of ['ann-pw', 'dan-pw', 'eve-pw', 'zed-pw', 'to-upstream']) assert.ok(!text.includes(p), p);
  });
});
