// What a protected path answers without a session, by the kind of request: with
// --spa-unauthenticated-json a page's background requests get 401 JSON that leads back to the page;
// navigations, subresources, clients without these headers, and every request with the flag off get
// oauth2-proxy's answer exactly as before.
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { createRedirectValidator } from '../../src/endpoints/redirect.js';
import type { LoginFlow } from '../../src/endpoints/login-flow.js';
import { makeUnauthenticated, refererTarget } from '../../src/endpoints/sign-in.js';
import { acceptsJson, isBackgroundRequest } from '../../src/http/respond.js';
import type { RequestScope } from '../../src/http/scope.js';

interface Answer {
  status: number;
  headers: Record<string, string | number | string[]>;
  body: string;
  started?: string;
}

const isValidRedirect = createRedirectValidator([]);

function fakeRes(): ServerResponse & { answer: Answer } {
  const headers: Record<string, string | number | string[]> = {};
  const res = {
    statusCode: 200,
    answer: { status: 0, headers, body: '' } as Answer,
    setHeader(name: string, value: string | number | string[]) { headers[name.toLowerCase()] = value; return res; },
    getHeader(name: string) { return headers[name.toLowerCase()]; },
    end(body?: string) { res.answer.status = res.statusCode; res.answer.body = body ?? ''; return res; },
  };
  return res as unknown as ServerResponse & { answer: Answer };
}

function fakeScope(o: { host?: string; scheme?: 'http' | 'https' } = {}): RequestScope {
  return { id: 'req-1', host: o.host ?? 'app.example.com', scheme: o.scheme ?? 'https', query: '', setCookies: [] } as unknown as RequestScope;
}

// The flow's own target rules are tested elsewhere; here the request URI stands for them.
const flow: LoginFlow = {
  redirectTarget: (req) => req.url ?? '/',
  callbackUrl: () => 'https://app.example.com/oauth2/callback',
  start: (_req, res, _scope, target) => {
    res.statusCode = 302;
    res.setHeader('Location', `https://idp.example.com/auth?rd=${target}`);
    res.end();
  },
};

function answer(headers: Record<string, string>, o: { spa?: boolean; skipProviderButton?: boolean; forceJsonErrors?: boolean; api?: boolean; url?: string; scope?: RequestScope } = {}): Answer {
  const handler = makeUnauthenticated({
    skipProviderButton: o.skipProviderButton ?? false,
    forceJsonErrors: o.forceJsonErrors ?? false,
    flow,
    renderSignIn: (v) => `<html>sign in ${v.statusCode} ${v.redirect}</html>`,
    csp: "default-src 'none'",
    proxyPrefix: '/oauth2',
    acceptsJson,
    isApi: () => o.api ?? false,
    ...(o.spa ? { spaJson: { isValidRedirect } } : {}),
  });
  const req = { method: 'GET', url: o.url ?? '/api/items?page=2', headers } as unknown as IncomingMessage;
  const res = fakeRes();
  void handler(req, res, o.scope ?? fakeScope());
  return res.answer;
}

const NAVIGATION = { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'none', accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
const FETCH_CORS = { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', 'sec-fetch-site': 'same-origin', accept: '*/*' };
const FETCH_SAME_ORIGIN = { 'sec-fetch-mode': 'same-origin', 'sec-fetch-dest': 'empty', accept: '*/*' };
const FETCH_NO_CORS = { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'empty', accept: '*/*' };

describe('isBackgroundRequest', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['top-level navigation', NAVIGATION, false],
    ['iframe navigation', { 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }, false],
    ['navigation that claims XHR and JSON', { ...NAVIGATION, 'x-requested-with': 'XMLHttpRequest', accept: 'application/json' }, false],
    ['fetch, cors mode', FETCH_CORS, true],
    ['fetch, same-origin mode', FETCH_SAME_ORIGIN, true],
    ['fetch, no-cors mode (beacon)', FETCH_NO_CORS, true],
    ['fetch metadata in capitals', { 'sec-fetch-mode': 'CORS', 'sec-fetch-dest': 'Empty' }, true],
    ['image', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, false],
    ['module script', { 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'script' }, false],
    ['script asking for JSON', { 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script', accept: 'application/json' }, false],
    ['websocket mode', { 'sec-fetch-mode': 'websocket', 'sec-fetch-dest': 'empty' }, false],
    ['empty destination, unknown mode, nothing else', { 'sec-fetch-mode': 'other', 'sec-fetch-dest': 'empty' }, false],
    ['empty destination, unknown mode, XHR header', { 'sec-fetch-mode': 'other', 'sec-fetch-dest': 'empty', 'x-requested-with': 'XMLHttpRequest' }, true],
    ['no metadata, X-Requested-With', { 'x-requested-with': 'XMLHttpRequest' }, true],
    ['no metadata, X-Requested-With in lower case', { 'x-requested-with': 'xmlhttprequest' }, true],
    ['no metadata, another X-Requested-With', { 'x-requested-with': 'com.example.app' }, false],
    ['no metadata, Accept JSON', { accept: 'application/json, text/plain, */*' }, true],
    ['no metadata, Accept HTML', { accept: 'text/html' }, false],
    ['no headers at all', {}, false],
  ];
  for (const [name, headers, expected] of cases) {
    it(`${name} → ${expected ? 'background' : 'not background'}`, () => {
      assert.equal(isBackgroundRequest({ headers } as unknown as IncomingMessage), expected);
    });
  }
});

describe('unauthenticated answer with --spa-unauthenticated-json', () => {
  for (const [name, headers] of <Array<[string, Record<string, string>]>>[['cors fetch', FETCH_CORS], ['same-origin fetch', FETCH_SAME_ORIGIN], ['no-cors fetch', FETCH_NO_CORS],
    ['XHR without fetch metadata', { 'x-requested-with': 'XMLHttpRequest' }], ['Accept JSON without fetch metadata', { accept: 'application/json' }]]) {
    for (const skipProviderButton of [false, true]) {
      it(`${name}${skipProviderButton ? ' with --skip-provider-button' : ''}: 401 JSON, uncacheable, varying`, () => {
        const a = answer({ ...headers, referer: 'https://app.example.com/inbox/42?tab=unread' }, { spa: true, skipProviderButton });
        assert.equal(a.status, 401);
        assert.equal(a.headers['content-type'], 'application/json; charset=utf-8');
        assert.deepEqual(JSON.parse(a.body), {
          error: 'Unauthorized',
          code: 'UNAUTHORIZED',
          message: 'You need to sign in to access this resource.',
          sign_in_url: `/oauth2/start?rd=${encodeURIComponent('/inbox/42?tab=unread')}`,
          request_id: 'req-1',
        });
        assert.equal(a.headers['cache-control'], 'no-cache, no-store, must-revalidate, max-age=0');
        assert.equal(a.headers['expires'], 'Thu, 01 Jan 1970 00:00:00 UTC');
        assert.equal(a.headers['x-accel-expires'], '0');
        assert.equal(a.headers['vary'], 'Sec-Fetch-Mode, Sec-Fetch-Dest, Accept, X-Requested-With');
        assert.equal(a.headers['location'], undefined);
        assert.equal(a.headers['www-authenticate'], undefined);
      });
    }
  }

  it('without a Referer, rd is the request itself', () => {
    const a = answer(FETCH_CORS, { spa: true });
    assert.equal(JSON.parse(a.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/api/items?page=2')}`);
  });

  const refererCases: Array<[string, string, string]> = [
    ['another site', 'https://evil.example/phish', '/api/items?page=2'],
    ['a sibling host', 'https://evil.app.example.com/x', '/api/items?page=2'],
    ['the same host over plain http', 'http://app.example.com/inbox', '/api/items?page=2'],
    ['the same host on another port', 'https://app.example.com:8443/inbox', '/api/items?page=2'],
    ['a protocol-relative path in disguise', 'https://app.example.com//evil.example/x', '/api/items?page=2'],
    ['a backslash path', 'https://app.example.com/\\evil.example/x', '/api/items?page=2'],
    ['the proxy\'s own sign-in page', 'https://app.example.com/oauth2/sign_in?rd=/x', '/api/items?page=2'],
    ['not a URL', 'not a url', '/api/items?page=2'],
    ['a data URL', 'data:text/html,hi', '/api/items?page=2'],
    ['the same origin with the default port spelled out', 'https://app.example.com:443/inbox#frag', '/inbox'],
    ['the same origin in capitals', 'https://APP.example.com/Inbox', '/Inbox'],
  ];
  for (const [name, referer, rd] of refererCases) {
    it(`Referer from ${name} → rd ${rd}`, () => {
      const a = answer({ ...FETCH_CORS, referer }, { spa: true });
      assert.equal(JSON.parse(a.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent(rd)}`);
    });
  }

  it('the origin is the one the client used (scheme and host of the scope)', () => {
    const scope = fakeScope({ host: '127.0.0.1:4180', scheme: 'http' });
    assert.equal(refererTarget({ headers: { referer: 'http://127.0.0.1:4180/page' } } as unknown as IncomingMessage, scope, '/oauth2', isValidRedirect), '/page');
    assert.equal(refererTarget({ headers: { referer: 'https://127.0.0.1:4180/page' } } as unknown as IncomingMessage, scope, '/oauth2', isValidRedirect), undefined);
    assert.equal(refererTarget({ headers: {} } as unknown as IncomingMessage, fakeScope({ host: '' }), '/oauth2', isValidRedirect), undefined);
    assert.equal(refererTarget({ headers: { referer: 'http://x/page' } } as unknown as IncomingMessage, fakeScope({ host: '' }), '/oauth2', isValidRedirect), undefined);
  });

  it('navigations get the sign-in page with 403, as without the flag', () => {
    for (const spa of [false, true]) {
      const a = answer({ ...NAVIGATION, referer: 'https://app.example.com/inbox' }, { spa });
      assert.equal(a.status, 403);
      assert.equal(a.body, '<html>sign in 403 /api/items?page=2</html>');
      assert.equal(a.headers['vary'], undefined);
      assert.equal(a.headers['cache-control'], undefined);
    }
  });

  it('navigations with --skip-provider-button get the redirect to the provider, as without the flag', () => {
    const a = answer(NAVIGATION, { spa: true, skipProviderButton: true });
    assert.equal(a.status, 302);
    assert.equal(a.headers['location'], 'https://idp.example.com/auth?rd=/api/items?page=2');
  });

  it('subresources and clients without these headers get exactly what they got without the flag', () => {
    const others: Array<Record<string, string>> = [{ 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, {}, { accept: 'text/html' }, { 'user-agent': 'curl/8' }];
    for (const headers of others) {
      for (const skipProviderButton of [false, true]) {
        assert.deepEqual(answer(headers, { spa: true, skipProviderButton }), answer(headers, { spa: false, skipProviderButton }));
      }
    }
  });

  it('a navigation to an API route still gets the 401 JSON it got before', () => {
    for (const spa of [false, true]) {
      const a = answer({ ...NAVIGATION, referer: 'https://app.example.com/inbox' }, { spa, api: true });
      assert.equal(a.status, 401);
      assert.equal(JSON.parse(a.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/api/items?page=2')}`);
      assert.equal(a.headers['vary'], undefined);
    }
  });
});

describe('unauthenticated answer with the flag off (oauth2-proxy behaviour)', () => {
  const all: Array<Record<string, string>> = [NAVIGATION, FETCH_CORS, FETCH_SAME_ORIGIN, FETCH_NO_CORS, { 'x-requested-with': 'XMLHttpRequest' }, {}];
  it('fetch metadata and X-Requested-With change nothing: the page, or the redirect', () => {
    for (const headers of all) {
      const page = answer({ ...headers, referer: 'https://app.example.com/inbox' });
      assert.equal(page.status, 403);
      assert.equal(page.body, '<html>sign in 403 /api/items?page=2</html>');
      assert.equal(page.headers['vary'], undefined);
      const redirect = answer(headers, { skipProviderButton: true });
      assert.equal(redirect.status, 302);
    }
  });

  it('Accept JSON, --api-route and --force-json-errors get 401 JSON with the request as rd, no Vary', () => {
    for (const o of [{ headers: { accept: 'application/json' } }, { headers: FETCH_CORS, api: true }, { headers: NAVIGATION, forceJsonErrors: true }]) {
      const a = answer({ ...o.headers, referer: 'https://app.example.com/inbox' }, { ...o });
      assert.equal(a.status, 401);
      assert.equal(JSON.parse(a.body).sign_in_url, `/oauth2/start?rd=${encodeURIComponent('/api/items?page=2')}`);
      assert.equal(a.headers['vary'], undefined);
      assert.equal(a.headers['cache-control'], undefined);
    }
  });
});
