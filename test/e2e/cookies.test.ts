// Session cookies end to end: tampering and expiry mean "signed out" (never a 500), big sessions are
// split into chunks and joined back, and a stale session is refreshed through the refresh token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSessionCodec } from '../../src/session/codec.js';
import { startStack, type Stack } from '../support/stack.js';

const DAY = 24 * 3600 * 1000;

function cleared(setCookies: string[], name: string): boolean {
  return setCookies.some((c) => c.startsWith(`${name}=`) && /Max-Age=0|Expires=Thu, 01 Jan 1970/.test(c));
}

describe('tampered, truncated and expired cookies', () => {
  let s: Stack;
  let good: string;
  before(async () => {
    s = await startStack({});
    const client = s.newClient();
    await s.signIn(client, 'alice');
    good = client.cookies.get(new URL(s.proxy.url).host)?.get('_oauth2_proxy') as string;
    assert.ok(good, 'signed in');
  });
  after(() => s.close());

  const variants: Array<[string, (v: string) => string]> = [
    ['payload bit flipped', (v) => { const i = 10; return v.slice(0, i) + (v[i] === 'A' ? 'B' : 'A') + v.slice(i + 1); }],
    ['signature changed', (v) => { const p = v.split('|'); p[2] = p[2].replace(/^./, (c) => (c === 'x' ? 'y' : 'x')); return p.join('|'); }],
    ['timestamp changed', (v) => { const p = v.split('|'); p[1] = String(Number(p[1]) + 1); return p.join('|'); }],
    ['truncated', (v) => v.slice(0, Math.floor(v.length / 2))],
    ['garbage', () => '%%%|||'],
    ['empty', () => ''],
    ['two parts', (v) => v.split('|').slice(0, 2).join('|')],
  ];
  for (const [name, mutate] of variants) {
    it(`${name}: signed out with 403, cookie cleared, nothing upstream`, async () => {
      const before = s.echo.requests.length;
      const r = await s.anonymous.request(`${s.proxy.url}/private`, { headers: { cookie: `_oauth2_proxy=${mutate(good)}`, accept: 'text/html' } });
      assert.equal(r.status, 403);
      if (mutate(good) !== '') assert.ok(cleared(r.setCookies, '_oauth2_proxy'), 'invalid cookie cleared');
      assert.equal(s.echo.requests.length, before);
    });
  }

  it('a cookie signed for another cookie name is refused', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/private`, { headers: { cookie: `_other=${good}; _oauth2_proxy_csrf=${good}`, accept: 'text/html' } });
    assert.equal(r.status, 403);
  });

  it('an expired cookie (older than --cookie-expire) is refused', async () => {
    const codec = createSessionCodec({ cookieName: '_oauth2_proxy', secret: s.cookieSecret, expireMs: 7 * DAY });
    const session = codec.decode(good, Date.now());
    assert.ok(session);
    const old = codec.encode({ ...session, createdAt: Date.now() - 8 * DAY }, Date.now() - 8 * DAY);
    const r = await s.anonymous.request(`${s.proxy.url}/private`, { headers: { cookie: `_oauth2_proxy=${old}`, accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.ok(cleared(r.setCookies, '_oauth2_proxy'));
  });

  it('the untouched cookie still works', async () => {
    const r = await s.anonymous.request(`${s.proxy.url}/private`, { headers: { cookie: `_oauth2_proxy=${good}` } });
    assert.equal(r.status, 200);
  });
});

describe('split cookies', () => {
  it('a 300-group session is split into chunks, joined back, and every chunk is cleared on sign-out', async () => {
    const groups = Array.from({ length: 300 }, (_, i) => `engineering-platform-team-${String(i).padStart(3, '0')}`);
    const s = await startStack({ users: { grace: { email: 'grace@example.com', email_verified: true, groups } } });
    try {
      const client = s.newClient();
      const { response, setCookies } = await s.signIn(client, 'grace');
      assert.equal(response.status, 200, response.body.slice(0, 300));
      const chunks = setCookies.filter((c) => /^_oauth2_proxy_\d+=/.test(c) && !/Max-Age=0/.test(c));
      assert.ok(chunks.length >= 2, `split into ${chunks.length} chunks`);
      for (const c of chunks) assert.ok(c.length <= 4000, `chunk of ${c.length} chars`);
      const seen = JSON.parse(response.body);
      assert.equal(seen.headers['x-forwarded-groups'].split(',').length, 300);
      assert.equal(seen.headers.cookie, undefined, 'chunks are not forwarded upstream');

      const out = await client.request(`${s.proxy.url}/oauth2/sign_out`);
      for (let i = 0; i < chunks.length; i++) assert.ok(cleared(out.setCookies, `_oauth2_proxy_${i}`), `chunk ${i} cleared`);
      const after = await client.request(`${s.proxy.url}/`, { headers: { accept: 'text/html' } });
      assert.equal(after.status, 403);
    } finally {
      await s.close();
    }
  });
});

describe('refresh', () => {
  it('a session older than --cookie-refresh is refreshed at the provider, once, with a new cookie', async () => {
    const s = await startStack({ args: ['--cookie-refresh=1m'] });
    try {
      const client = s.newClient();
      await s.signIn(client, 'alice');
      const host = new URL(s.proxy.url).host;
      const codec = createSessionCodec({ cookieName: '_oauth2_proxy', secret: s.cookieSecret, expireMs: 7 * DAY });
      const current = codec.decode(client.cookies.get(host)?.get('_oauth2_proxy') as string, Date.now());
      assert.ok(current?.refreshToken, 'the provider issued a refresh token');
      const stale = codec.encode({ ...current, createdAt: Date.now() - 5 * 60_000 }, Date.now());
      client.cookies.get(host)?.set('_oauth2_proxy', stale);

      const refreshesBefore = s.idp.stats.refreshRequests;
      const results = await Promise.all(Array.from({ length: 5 }, () => client.request(`${s.proxy.url}/after-refresh`)));
      for (const r of results) assert.equal(r.status, 200);
      assert.equal(s.idp.stats.refreshRequests - refreshesBefore, 1, 'one refresh for concurrent requests');
      const renewed = results.flatMap((r) => r.setCookies).find((c) => c.startsWith('_oauth2_proxy='));
      assert.ok(renewed, 'a refreshed cookie is set');
      const fresh = codec.decode(renewed.split(';')[0].slice('_oauth2_proxy='.length), Date.now());
      assert.ok(fresh && fresh.createdAt > Date.now() - 60_000, 'createdAt restarted');
    } finally {
      await s.close();
    }
  });
});
