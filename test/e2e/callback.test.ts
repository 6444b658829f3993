// The callback refuses everything that is not the answer to this browser's own sign-in attempt,
// with a clear page and never a session.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';

function sessionSet(setCookies: string[]): boolean {
  return setCookies.some((c) => /^_oauth2_proxy(_\d+)?=[^;]+/.test(c) && !/Max-Age=0|Expires=Thu, 01 Jan 1970/.test(c));
}

describe('callback', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({});
  });
  after(() => s.close());

  it('shows the provider error, escaped, with 403', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/oauth2/callback?error=access_denied&error_description=${encodeURIComponent('<script>alert(1)</script>')}&state=x`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.match(r.body, /access_denied/);
    assert.ok(!r.body.includes('<script>alert(1)</script>'));
    assert.match(r.body, /&lt;script&gt;/);
    assert.ok(!sessionSet(r.setCookies));
  });

  it('refuses a callback without state or code', async () => {
    for (const q of ['code=abc', 'state=abc', '']) {
      const r = await s.anonymous.request(`${s.proxy.url}/oauth2/callback?${q}`, { headers: { accept: 'text/html' } });
      assert.equal(r.status, 403, q);
      assert.ok(!sessionSet(r.setCookies));
    }
  });

  it('refuses a state without the CSRF cookie that goes with it', async () => {
    const victim = s.newClient();
    const start = await victim.request(`${s.proxy.url}/oauth2/start?rd=%2F`);
    const state = new URL(start.headers.location as string).searchParams.get('state') as string;
    const attacker = s.newClient();
    const tokenRequests = s.idp.stats.tokenRequests;
    const r = await attacker.request(`${s.proxy.url}/oauth2/callback?code=stolen&state=${encodeURIComponent(state)}`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.match(r.body, /CSRF/);
    assert.ok(!sessionSet(r.setCookies));
    assert.equal(s.idp.stats.tokenRequests, tokenRequests, 'no code was redeemed');
  });

  it('refuses a foreign state with a valid CSRF cookie of another attempt', async () => {
    const client = s.newClient();
    await client.request(`${s.proxy.url}/oauth2/start?rd=%2F`);
    const forged = `${'A'.repeat(43)}:/`;
    const r = await client.request(`${s.proxy.url}/oauth2/callback?code=abc&state=${encodeURIComponent(forged)}`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.ok(!sessionSet(r.setCookies));
  });

  it('refuses a replayed callback after a successful sign-in', async () => {
    const client = s.newClient();
    const { visited } = await s.signIn(client, 'alice');
    const callback = visited.find((u) => u.includes('/oauth2/callback?'));
    assert.ok(callback, 'callback visited');
    const replay = s.newClient();
    const r = await replay.request(callback, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.ok(!sessionSet(r.setCookies));
    const again = await client.request(callback, { headers: { accept: 'text/html' } });
    assert.equal(again.status, 403, 'the CSRF cookie was used up');
  });

  it('keeps the rd target through the flow and re-validates it', async () => {
    const client = s.newClient();
    const { response, visited } = await s.signIn(client, 'bob', '/after/login?q=1');
    assert.equal(response.status, 200);
    assert.equal(JSON.parse(response.body).url, '/after/login?q=1');
    const evil = s.newClient();
    const start = await evil.request(`${s.proxy.url}/oauth2/start?rd=${encodeURIComponent('//evil.example/')}`);
    const state = new URL(start.headers.location as string).searchParams.get('state') as string;
    assert.match(state, /:\/$/, 'an invalid rd becomes /');
    assert.ok(visited.length > 2);
  });
});
