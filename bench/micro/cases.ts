// The pieces every proxied request runs, each set up once the way the components are built at
// start-up, so only the per-request work is timed. Setup checks each case takes the path it is
// named after: a benchmark of a silently failing decode would look wonderfully fast.

import assert from 'node:assert/strict';
import { normaliseTarget } from '../../src/http/target.js';
import { RequestScope } from '../../src/http/scope.js';
import { createTrust } from '../../src/http/trust.js';
import { cookieContextOf } from '../../src/http/cookie-context.js';
import { proxiedRequest } from '../../src/http/forwarded.js';
import { parseCookies } from '../../src/session/cookies.js';
import { createSessionCodec } from '../../src/session/codec.js';
import { createCookieSessionStore, sessionCookieMatcher } from '../../src/session/cookie-store.js';
import { verifySignedValue } from '../../src/session/signed-value.js';
import type { CookieContext } from '../../src/session/store.js';
import { createRedirectValidator } from '../../src/endpoints/redirect.js';
import { compileAccessRules, type RuleInput } from '../../src/rules/access.js';
import { createHeaderRules } from '../../src/upstream/headers.js';
import { createIdentityHeaders, perSession } from '../../src/upstream/identity.js';
import { createRouter } from '../../src/upstream/routes.js';
import { createHostMatcher } from '../../src/upstream/hosts.js';
import { compileTable } from '../../src/policy/compile.js';
import { decide as decideRoute } from '../../src/policy/decide.js';
import type { Case } from './harness.js';
import {
  BIG_SESSION, COOKIE_NAME, COOKIE_SECRET, NOW, SESSION,
  browserCookieHeader, browserRawHeaders, cookiePairs, fakeRequest,
} from './fixtures.js';

const EXPIRE_MS = 168 * 3600 * 1000;
const HOST = 'app.example.com';

async function sessionCases(): Promise<Case[]> {
  const options = {
    name: COOKIE_NAME, secret: COOKIE_SECRET, domains: [], path: '/', expireMs: EXPIRE_MS,
    secure: true, httpOnly: true, sameSite: 'lax' as const, now: () => NOW,
  };
  // The default store reuses a decoded session for a while; the first request with a cookie, and
  // every request when the cache is off, pays for the full verify + decrypt + parse.
  const store = createCookieSessionStore(options);
  const uncachedOptions = { ...options, decodedCacheTtlMs: 0 };
  const uncached = createCookieSessionStore(uncachedOptions);
  const codec = createSessionCodec({ cookieName: COOKIE_NAME, secret: COOKIE_SECRET, expireMs: EXPIRE_MS });
  const noCookies: CookieContext = { cookies: new Map(), host: HOST };

  const small = cookiePairs(await store.save(noCookies, SESSION));
  const big = cookiePairs(await store.save(noCookies, BIG_SESSION));
  assert.equal(small.length, 1, 'the regular session should fit one cookie');
  assert.ok(big.length >= 2, 'the large session should be split');
  const smallValue = small[0].slice(COOKIE_NAME.length + 1);
  const smallHeader = browserCookieHeader(small);
  const bigHeader = browserCookieHeader(big);
  const noSessionHeader = browserCookieHeader([]);
  // One flipped signature character: the price a forged or stale cookie makes us pay.
  const lastSig = smallValue.length - 2;
  const tampered = smallValue.slice(0, lastSig) + (smallValue[lastSig] === 'A' ? 'B' : 'A') + smallValue.slice(lastSig + 1);

  const smallCtx: CookieContext = { cookies: parseCookies(smallHeader), host: HOST };
  const bigCtx: CookieContext = { cookies: parseCookies(bigHeader), host: HOST };
  const noneCtx: CookieContext = { cookies: parseCookies(noSessionHeader), host: HOST };
  const tamperedCtx: CookieContext = { cookies: new Map([[COOKIE_NAME, tampered]]), host: HOST };

  assert.ok(verifySignedValue(COOKIE_NAME, smallValue, COOKIE_SECRET, EXPIRE_MS, NOW));
  assert.ok(codec.decodeResult(smallValue, NOW).ok);
  for (const s of [store, uncached]) {
    assert.equal((await s.load(smallCtx)).state, 'ok');
    assert.equal((await s.load(bigCtx)).state, 'ok');
    assert.equal((await s.load(noneCtx)).state, 'none');
    assert.equal((await s.load(tamperedCtx)).state, 'invalid');
  }

  // As the session middleware does it: the Cookie header is parsed once per request, on the scope.
  const trust = createTrust({ reverseProxy: false, trustedProxyIps: [], realClientIpHeader: 'X-Real-IP' });
  const smallReq = fakeRequest(browserRawHeaders(smallHeader), '/app/dashboard');
  const smallScope = new RequestScope(smallReq, trust, 'x-request-id', false, normaliseTarget('/app/dashboard'));

  const size = `${smallValue.length} B`;
  const bigSize = `${big.length} chunks, ${big.reduce((n, p) => n + p.length, 0)} B`;
  return [
    { name: `signed value: verify HMAC (${size})`, fn: () => verifySignedValue(COOKIE_NAME, smallValue, COOKIE_SECRET, EXPIRE_MS, NOW) },
    { name: `codec: decodeResult (${size})`, fn: () => codec.decodeResult(smallValue, NOW) },
    { name: 'codec: encode (same session)', fn: () => codec.encode(SESSION, NOW) },
    { name: 'cookies: parse Cookie header (6 cookies)', fn: () => parseCookies(smallHeader) },
    { name: 'cookie store: load, no session cookie', asyncFn: () => store.load(noneCtx) },
    { name: 'cookie store: load, tampered signature', asyncFn: () => store.load(tamperedCtx) },
    { name: 'cookie store: load, one cookie, cache off', asyncFn: () => uncached.load(smallCtx) },
    { name: 'cookie store: load, one cookie, cache hit (same string object)', asyncFn: () => store.load(smallCtx) },
    {
      name: 'cookie store: parse header + load, one cookie, cache hit',
      asyncFn: () => {
        smallScope.cookies = undefined;
        return store.load(cookieContextOf(smallReq, smallScope));
      },
    },
    { name: `cookie store: load, chunked (${bigSize}), cache off`, asyncFn: () => uncached.load(bigCtx) },
    { name: 'cookie store: load, chunked, cache hit', asyncFn: () => store.load(bigCtx) },
  ];
}

function headerCases(): Case[] {
  // oauth2-proxy's defaults: user headers on, Basic auth off.
  const identity = createIdentityHeaders({
    passUserHeaders: true, passAccessToken: true, passAuthorizationHeader: false, setXAuthRequest: true,
    setAuthorizationHeader: false, preferEmailToUser: false, passBasicAuth: false,
  });
  const isOwnCookie = sessionCookieMatcher(COOKIE_NAME);
  const rules = createHeaderRules({ strips: (n) => n === 'gap-signature' || identity.strips(n), isOwnCookie });
  const route = createRouter(['http://127.0.0.1:8080']).routes[0];
  const cookie = browserCookieHeader([`${COOKIE_NAME}=${'x'.repeat(3000)}`]);
  const req = fakeRequest(browserRawHeaders(cookie), '/app/dashboard');
  const injected = identity.request(SESSION);
  const out = rules.request(req, route, { trustedForwarded: false, identity: injected });
  assert.ok(!out.includes('admin'), 'the spoofed X-Forwarded-User must be stripped');
  assert.ok(out.includes(SESSION.email));

  const memo = perSession(identity);
  assert.deepEqual(memo.request(SESSION), identity.request(SESSION));
  return [
    { name: `identity: request headers for a session (${injected.length})`, fn: () => identity.request(SESSION) },
    { name: 'identity: response headers for a session', fn: () => identity.response(SESSION) },
    // What the proxy runs: the same session object again (the decoded-session caches share it).
    { name: 'identity: request headers, same session again (per-session)', fn: () => memo.request(SESSION) },
    { name: `headers: strip ${req.rawHeaders.length / 2} browser headers, anonymous`, fn: () => rules.request(req, route, { trustedForwarded: false, identity: [] }) },
    {
      name: 'headers: strip + inject identity (both steps)',
      fn: () => rules.request(req, route, { trustedForwarded: false, identity: identity.request(SESSION) }),
    },
  ];
}

function redirectCases(): Case[] {
  const isValid = createRedirectValidator(['.example.com', 'auth.example.org:8443', '*.corp.example.net:*']);
  const good = ['/app/dashboard?tab=members', 'https://app.example.com/after/login?x=1', 'https://auth.example.org:8443/cb', 'http://wiki.corp.example.net:8080/page'];
  const bad = [
    '//evil.com', '/\\evil.com', '/\t/evil.com', '/./../evil', 'https://evil.com/', 'https://app.example.com.evil.com/',
    'https:/\\evil.com', 'http://app.example.com\\@evil.com/', 'https://%65vil.com/', 'https://app.example.com%2F@evil.com/', 'javascript:alert(1)',
  ];
  for (const g of good) assert.ok(isValid(g), `should accept ${g}`);
  for (const b of bad) assert.ok(!isValid(b), `should refuse ${b}`);
  const mix = [...good, ...bad];
  let i = 0;
  return [
    { name: 'redirect: relative path', fn: () => isValid(good[0]) },
    { name: 'redirect: whitelisted absolute URL', fn: () => isValid(good[1]) },
    { name: 'redirect: `//evil.com`', fn: () => isValid(bad[0]) },
    { name: 'redirect: `https://app.example.com%2F@evil.com/`', fn: () => isValid(bad[9]) },
    { name: `redirect: mix of ${mix.length}, per call`, fn: () => isValid(mix[i++ % mix.length]) },
  ];
}

function routeCases(): Case[] {
  const { rules, problems } = compileAccessRules({
    skipAuthRoutes: [
      'GET=^/healthz$', 'GET=^/metrics$', 'POST=^/api/v1/webhooks/github$', 'GET=^/static/', 'GET=^/favicon\\.ico$',
      'GET=^/public/.*\\.(css|js|png)$', 'GET=^/api/v1/status$',
    ],
    skipAuthRegex: ['^/\\.well-known/', '^/assets/[a-f0-9]{8}/', '(?i)^/docs/'],
    apiRoutes: ['^/api/', '^/graphql'],
    skipAuthPreflight: false,
    trustedIps: [],
  });
  assert.deepEqual(problems, []);
  const input = (method: string, url: string): RuleInput => {
    const t = normaliseTarget(url);
    return { method, decoded: t.decoded, query: t.query, ambiguous: t.ambiguous, clientIp: '10.1.2.3' };
  };
  const late = input('GET', '/docs/getting-started/install.html');
  const none = input('GET', '/app/dashboard/projects/42/settings');
  const early = input('GET', '/healthz');
  assert.ok(rules.skips(late) && rules.skips(early) && !rules.skips(none));

  const plain = '/app/dashboard/projects/42/settings?tab=members&sort=asc';
  const escaped = '/files/%7Ealice/report%20Q3%202025.pdf';
  const ambiguous = '/public/..%2Fadmin/users';
  const absolute = 'http://app.example.com/app/dashboard?tab=1';
  assert.ok(normaliseTarget(ambiguous).ambiguous && !normaliseTarget(escaped).ambiguous);

  return [
    { name: 'skip rules (10): first rule matches', fn: () => rules.skips(early) },
    { name: 'skip rules (10): last rule matches', fn: () => rules.skips(late) },
    { name: 'skip rules (10): no rule matches', fn: () => rules.skips(none) },
    { name: 'api routes (2): no match, with query', fn: () => rules.isApi(input('GET', plain)) },
    { name: 'normaliseTarget: plain path + query', fn: () => normaliseTarget(plain) },
    { name: 'normaliseTarget: escaped path', fn: () => normaliseTarget(escaped) },
    { name: 'normaliseTarget: ambiguous (`..%2F`)', fn: () => normaliseTarget(ambiguous) },
    { name: 'normaliseTarget: absolute-form', fn: () => normaliseTarget(absolute) },
  ];
}

/** --policy-file and host routing: what they add per request when configured. */
function policyCases(): Case[] {
  const compiled = compileTable({
    routes: [
      { id: 'assets', path: '/static/', methods: ['GET', 'HEAD'], allowPublic: true },
      { id: 'ops', host: 'ops.example.com', allow: { groups: ['admins'] } },
      { id: 'admin', path: '/admin/', allow: { groups: ['admins'], domains: ['example.com'] } },
      { id: 'reports', pathRegex: '^/reports/[0-9]+$', allow: { roles: ['analyst'] } },
      { id: 'writes', methods: ['POST', 'PUT', 'DELETE'], path: '/api/', allow: { groups: ['writers'] } },
      { id: 'everyone', path: '/', allow: { authenticated: true } },
    ],
  });
  assert.ok(compiled.ok);
  const table = compiled.table;
  const who = { user: 'alice', email: 'alice@example.com', groups: ['admins', 'developers'] };
  const canonical = (url: string) => { const t = normaliseTarget(url); return { decoded: t.decoded, ambiguous: t.ambiguous }; };
  const lastRule = { method: 'GET', host: HOST, path: '', canonical: canonical('/app/dashboard') };
  const admin = { method: 'GET', host: HOST, path: '', canonical: canonical('/admin/users') };
  assert.equal(decideRoute(table, lastRule, who).rule, 'everyone');
  assert.equal(decideRoute(table, admin, who).effect, 'allow');

  const hosts = createHostMatcher<number>([['app.example.com', 1], ['grafana.example.com', 2], ['*.apps.example.com', 3]], 0);
  assert.equal(hosts.pick('x.apps.example.com:443'), 3);
  return [
    { name: 'route table (6): last rule matches, allowed', fn: () => decideRoute(table, lastRule, who) },
    { name: 'route table (6): groups + domains rule, allowed', fn: () => decideRoute(table, admin, who) },
    { name: 'host routing: exact host', fn: () => hosts.pick('app.example.com') },
    { name: 'host routing: wildcard host with port', fn: () => hosts.pick('x.apps.example.com:443') },
  ];
}

async function scopeCases(): Promise<Case[]> {
  const direct = createTrust({ reverseProxy: false, trustedProxyIps: [], realClientIpHeader: 'X-Real-IP' });
  const behindLb = createTrust({ reverseProxy: true, trustedProxyIps: ['10.0.0.0/8'], realClientIpHeader: 'X-Forwarded-For' });
  const raw = browserRawHeaders(browserCookieHeader([]));
  const req = fakeRequest(raw, '/app/dashboard?tab=1');
  const proxied = fakeRequest([...raw, 'X-Forwarded-For', '203.0.113.9, 10.0.0.2', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', HOST, 'X-Request-Id', 'abc-123'], '/app/dashboard?tab=1');
  assert.equal(new RequestScope(proxied, behindLb, 'x-request-id', false).clientIp, '203.0.113.9');

  // Everything a signed-in GET runs before the upstream connection, in pipeline order.
  // The cache is left at its default, as deployed: a browser's second request onwards.
  const store = createCookieSessionStore({
    name: COOKIE_NAME, secret: COOKIE_SECRET, domains: [], path: '/', expireMs: EXPIRE_MS,
    secure: true, httpOnly: true, sameSite: 'lax', now: () => NOW,
  });
  const session = cookiePairs(await store.save({ cookies: new Map(), host: HOST }, SESSION));
  const signedIn = fakeRequest(browserRawHeaders(browserCookieHeader(session)), '/app/dashboard?tab=1');
  const { rules: access } = compileAccessRules({
    skipAuthRoutes: ['GET=^/healthz$', 'GET=^/static/'], skipAuthRegex: ['^/\\.well-known/'], apiRoutes: ['^/api/'],
    skipAuthPreflight: false, trustedIps: [],
  });
  const identity = createIdentityHeaders({
    passUserHeaders: true, passAccessToken: false, passAuthorizationHeader: false, setXAuthRequest: false,
    setAuthorizationHeader: false, preferEmailToUser: false, passBasicAuth: true,
  });
  const router = createRouter(['http://127.0.0.1:8080']);
  const headerRules = createHeaderRules({ strips: identity.strips, isOwnCookie: sessionCookieMatcher(COOKIE_NAME) });
  const requestPath = async () => {
    const scope = new RequestScope(signedIn, direct, 'x-request-id', false, normaliseTarget(signedIn.url!));
    if (access.skips(proxiedRequest(signedIn, scope))) throw new Error('unexpected skip');
    const r = await store.load(cookieContextOf(signedIn, scope));
    if (r.state !== 'ok') throw new Error('session did not load');
    const m = router.match(signedIn.url!);
    return headerRules.request(signedIn, m!.route!, { trustedForwarded: scope.trustedForwarded, identity: identity.request(r.session) });
  };
  await requestPath();

  return [
    { name: 'RequestScope: direct client', fn: () => new RequestScope(req, direct, 'x-request-id', false, normaliseTarget(req.url!)) },
    { name: 'RequestScope: behind trusted proxy, given request id', fn: () => new RequestScope(proxied, behindLb, 'x-request-id', false, normaliseTarget(proxied.url!)) },
    { name: 'whole request path before upstream (signed in, cache hit)', asyncFn: requestPath },
  ];
}

export async function buildCases(): Promise<{ group: string; cases: Case[] }[]> {
  return [
    { group: 'session cookie', cases: await sessionCases() },
    { group: 'headers', cases: headerCases() },
    { group: 'redirects', cases: redirectCases() },
    { group: 'routes', cases: routeCases() },
    { group: 'policy and hosts', cases: policyCases() },
    { group: 'request scope', cases: await scopeCases() },
  ];
}
