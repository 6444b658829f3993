import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createCookieSessionStore, type CookieOptions } from '../../src/session/cookie-store.js';
import { parseCookies } from '../../src/session/cookies.js';
import type { SessionState } from '../../src/session/state.js';

const SECRET = randomBytes(32).toString('base64url');
const WEEK = 7 * 24 * 3600 * 1000;
let clock = 1_700_000_000_000;

const OPTS: CookieOptions = {
  name: '_oauth2_proxy',
  secret: SECRET,
  domains: ['example.com', 'app.example.com'],
  path: '/',
  expireMs: WEEK,
  secure: true,
  httpOnly: true,
  sameSite: 'lax',
  now: () => clock,
};

const SESSION: SessionState = {
  user: 'sub-1',
  email: 'a@example.com',
  groups: ['g1'],
  createdAt: clock,
  expiresOn: clock + 3600_000,
  accessToken: 'access',
};

/** What the browser sends back after applying Set-Cookie lines to its jar. */
function applyToJar(jar: Map<string, string>, setCookies: string[]): Map<string, string> {
  const next = new Map(jar);
  for (const sc of setCookies) {
    const first = sc.slice(0, sc.indexOf(';'));
    const eq = first.indexOf('=');
    const name = first.slice(0, eq);
    if (/Max-Age=0/.test(sc)) next.delete(name);
    else next.set(name, first.slice(eq + 1));
  }
  return next;
}

function bigSession(): SessionState {
  const groups = Array.from({ length: 300 }, (_, i) => `group-${String(i).padStart(3, '0')}-${'x'.repeat(30)}`);
  return { ...SESSION, groups };
}

describe('cookie session store', () => {
  const store = createCookieSessionStore(OPTS);
  const ctx = (cookies: Map<string, string>, host = 'app.example.com') => ({ cookies, host });

  it('loads nothing when the cookie is absent', async () => {
    assert.deepEqual(await store.load(ctx(new Map([['other', 'x']]))), { state: 'none' });
  });

  it('saves and loads a session in one cookie', async () => {
    const set = await store.save(ctx(new Map()), SESSION);
    assert.equal(set.length, 1);
    assert.match(set[0], /^_oauth2_proxy=[A-Za-z0-9_=-]+\|\d+\|[A-Za-z0-9_-]{43}=; /);
    const jar = applyToJar(new Map(), set);
    assert.deepEqual(await store.load(ctx(jar)), { state: 'ok', session: SESSION });
  });

  it('writes the configured attributes', async () => {
    const [c] = await store.save(ctx(new Map(), 'app.example.com:8443'), SESSION);
    assert.match(c, /; Path=\/; Domain=app\.example\.com; Max-Age=604800; HttpOnly; Secure; SameSite=Lax$/);
    const [d] = await store.save(ctx(new Map(), 'www.example.com'), SESSION);
    assert.match(d, /; Domain=example\.com;/);
    const [e] = await store.save(ctx(new Map(), 'elsewhere.org'), SESSION);
    assert.match(e, /; Domain=example\.com;/, 'no match: the shortest configured domain');
  });

  it('writes a browser-session cookie when expire is 0, and never ages it out', async () => {
    const s = createCookieSessionStore({ ...OPTS, expireMs: 0, domains: [], secure: false, httpOnly: false, sameSite: '' });
    const set = await s.save(ctx(new Map()), SESSION);
    assert.match(set[0], /^_oauth2_proxy=[^;]+; Path=\/$/);
    const saved = clock;
    clock += 365 * 24 * 3600 * 1000;
    try {
      assert.equal((await s.load(ctx(applyToJar(new Map(), set)))).state, 'ok');
    } finally {
      clock = saved;
    }
  });

  it('splits a large session into parts of at most 4000 characters and loads it back', async () => {
    const big = bigSession();
    const set = await store.save(ctx(new Map()), big);
    assert.ok(set.length >= 3, `expected several parts, got ${set.length}`);
    set.forEach((c, i) => {
      assert.ok(c.startsWith(`_oauth2_proxy_${i}=`), c.slice(0, 20));
      assert.ok(c.length <= 4000, `part ${i} is ${c.length} characters`);
    });
    const jar = applyToJar(new Map(), set);
    assert.deepEqual(await store.load(ctx(jar)), { state: 'ok', session: big });
  });

  it('expires stale parts when the session shrinks', async () => {
    let jar = applyToJar(new Map(), await store.save(ctx(new Map()), bigSession()));
    const partsBefore = [...jar.keys()];
    const set = await store.save(ctx(jar), SESSION);
    const expired = set.filter((c) => c.includes('Max-Age=0')).map((c) => c.split('=')[0]);
    assert.deepEqual(expired.sort(), partsBefore.sort());
    jar = applyToJar(jar, set);
    assert.deepEqual([...jar.keys()], ['_oauth2_proxy']);
    assert.deepEqual(await store.load(ctx(jar)), { state: 'ok', session: SESSION });
  });

  it('clear expires every part present', async () => {
    const jar = applyToJar(new Map([['keep', '1']]), await store.save(ctx(new Map()), bigSession()));
    jar.set('_oauth2_proxy', 'stray');
    const set = await store.clear(ctx(jar));
    assert.equal(set.length, jar.size - 1);
    for (const c of set) {
      assert.match(c, /^_oauth2_proxy(_\d+)?=; Path=\/; Domain=app\.example\.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Secure; SameSite=Lax$/);
    }
    assert.deepEqual([...applyToJar(jar, set).keys()], ['keep']);
    assert.deepEqual(await store.clear(ctx(new Map())), []);
  });

  it('reports tampered, truncated, expired and foreign cookies as invalid', async () => {
    const [c] = await store.save(ctx(new Map()), SESSION);
    const value = parseCookies(c.slice(0, c.indexOf(';'))).get('_oauth2_proxy')!;
    const cases = [
      value.slice(0, -5),
      // A different first character (one in 64 values starts with 'A' already).
      (value[0] === 'A' ? 'B' : 'A') + value.slice(1),
      'garbage',
      value.replace(/\|(\d+)\|/, (_, t) => `|${Number(t) + 1}|`),
    ];
    for (const v of cases) {
      const r = await store.load(ctx(new Map([['_oauth2_proxy', v]])));
      assert.equal(r.state, 'invalid', v.slice(0, 30));
    }
    const saved = clock;
    clock += WEEK + 1000;
    try {
      const r = await store.load(ctx(new Map([['_oauth2_proxy', value]])));
      assert.equal(r.state, 'invalid');
    } finally {
      clock = saved;
    }
    const other = createCookieSessionStore({ ...OPTS, secret: randomBytes(32).toString('base64url') });
    assert.equal((await other.load(ctx(new Map([['_oauth2_proxy', value]])))).state, 'invalid');
  });

  it('reports a part set with a missing middle part as invalid', async () => {
    const jar = applyToJar(new Map(), await store.save(ctx(new Map()), bigSession()));
    jar.delete('_oauth2_proxy_1');
    assert.equal((await store.load(ctx(jar))).state, 'invalid');
  });

  it('verifyConnection resolves', async () => {
    await store.verifyConnection();
  });
});
