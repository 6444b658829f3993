import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { createHeaderRules, filterCookies, type OutgoingHeaders, type RequestHeaderContext } from '../../src/upstream/headers.js';
import { createIdentityHeaders } from '../../src/upstream/identity.js';
import { createRouter } from '../../src/upstream/routes.js';
import { DEFAULT_IDENTITY, isOwnCookie, SESSION } from './harness.js';

const PEER = '10.0.0.7';
const route = createRouter(['http://127.0.0.1:8080']).routes[0];
const routeNoHost = createRouter(['http://127.0.0.1:8080'], { passHostHeader: false }).routes[0];

/** What node:http hands the pipeline, reduced to the fields the rules read. */
function fakeReq(raw: string[], o: { remoteAddress?: string | null; encrypted?: boolean; method?: string } = {}): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    headers[k] = headers[k] === undefined ? raw[i + 1] : headers[k] + ', ' + raw[i + 1];
  }
  const socket = { remoteAddress: o.remoteAddress === null ? undefined : (o.remoteAddress ?? PEER), encrypted: o.encrypted };
  return { rawHeaders: raw, headers, method: o.method ?? 'GET', socket } as unknown as IncomingMessage;
}

const identity = createIdentityHeaders(DEFAULT_IDENTITY);
const rules = createHeaderRules({ strips: identity.strips, isOwnCookie });
const withBearer = createIdentityHeaders({ ...DEFAULT_IDENTITY, passAuthorizationHeader: true });
const bearerRules = createHeaderRules({ strips: withBearer.strips, isOwnCookie });

const anon: RequestHeaderContext = { trustedForwarded: false, identity: [] };
const authed: RequestHeaderContext = { trustedForwarded: false, identity: identity.request(SESSION) };

function build(raw: string[], ctx: RequestHeaderContext = anon, o: Parameters<typeof fakeReq>[1] = {}, r = rules, rt = route): OutgoingHeaders {
  return r.request(fakeReq(['Host', 'app.example.com', ...raw], o), rt, ctx);
}
/** All values of a header, case-insensitively. */
function values(out: OutgoingHeaders, name: string): string[] {
  const n = name.toLowerCase();
  const v: string[] = [];
  for (let i = 0; i < out.length; i += 2) if (out[i].toLowerCase() === n) v.push(out[i + 1]);
  return v;
}
/** Every header name, with `_` read as `-`, lower-cased. */
function names(out: OutgoingHeaders): string[] {
  const n: string[] = [];
  for (let i = 0; i < out.length; i += 2) n.push(out[i].toLowerCase().replaceAll('_', '-'));
  return n;
}

describe('hop-by-hop headers', () => {
  const hop = ['Connection', 'Keep-Alive', 'Proxy-Connection', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'Proxy-Authorization', 'Proxy-Authenticate', 'Expect'];
  const sample: Record<string, string> = {
    Connection: 'keep-alive',
    'Keep-Alive': 'timeout=5',
    'Proxy-Connection': 'keep-alive',
    TE: 'trailers',
    Trailer: 'X-Checksum',
    'Transfer-Encoding': 'chunked',
    Upgrade: 'h2c',
    'Proxy-Authorization': 'Basic Zm9vOmJhcg==',
    'Proxy-Authenticate': 'Basic',
    Expect: '100-continue',
  };
  for (const h of hop) {
    test(`${h} is not forwarded`, () => {
      const out = build([h, sample[h], 'X-Keep', '1']);
      assert.deepEqual(values(out, h), []);
      assert.deepEqual(values(out, 'X-Keep'), ['1']);
    });
  }

  test('a websocket handshake is filtered the same way (the tunnel adds Connection/Upgrade)', () => {
    const out = build(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'abc', 'Sec-WebSocket-Version', '13']);
    assert.deepEqual(values(out, 'connection'), []);
    assert.deepEqual(values(out, 'upgrade'), []);
    assert.deepEqual(values(out, 'sec-websocket-key'), ['abc']);
    assert.deepEqual(values(out, 'sec-websocket-version'), ['13']);
  });
});

describe('headers named by Connection', () => {
  test('are removed', () => {
    const out = build(['Connection', 'keep-alive, X-Custom,  x-other ', 'X-Custom', 'a', 'X-Other', 'b', 'X-Kept', 'c']);
    assert.deepEqual(values(out, 'x-custom'), []);
    assert.deepEqual(values(out, 'x-other'), []);
    assert.deepEqual(values(out, 'x-kept'), ['c']);
  });

  test('are removed before identity headers are injected', () => {
    const out = build(['Connection', 'X-Forwarded-User, X-Forwarded-Email, X-Forwarded-Groups', 'X-Forwarded-User', 'spoof'], authed);
    assert.deepEqual(values(out, 'x-forwarded-user'), ['alice-sub']);
    assert.deepEqual(values(out, 'x-forwarded-email'), ['alice@example.com']);
    assert.deepEqual(values(out, 'x-forwarded-groups'), ['admins,devs']);
  });

  test('cannot remove the forwarding headers or Host the proxy sets', () => {
    const out = build(['Connection', 'X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Host', 'X-Forwarded-For', '6.6.6.6']);
    assert.deepEqual(values(out, 'x-forwarded-for'), [PEER]);
    assert.deepEqual(values(out, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['app.example.com']);
    assert.deepEqual(values(out, 'host'), ['app.example.com']);
  });

  test('can remove Authorization when the proxy does not inject it', () => {
    const out = build(['Connection', 'Authorization', 'Authorization', 'Bearer client']);
    assert.deepEqual(values(out, 'authorization'), []);
  });

  test('cannot remove an injected Authorization', () => {
    const ctx: RequestHeaderContext = { trustedForwarded: false, identity: withBearer.request(SESSION) };
    const out = build(['Connection', 'Authorization', 'Authorization', 'Bearer client'], ctx, {}, bearerRules);
    assert.deepEqual(values(out, 'authorization'), ['Bearer id-456']);
  });
});

describe('spoofed identity headers', () => {
  const spoofable = [
    'X-Forwarded-User',
    'X-Forwarded-Email',
    'X-Forwarded-Groups',
    'X-Forwarded-Preferred-Username',
    'X-Forwarded-Access-Token',
    'GAP-Auth',
    'X-Auth-Request-User',
    'X-Auth-Request-Email',
    'X-Auth-Request-Groups',
    'X-Auth-Request-Preferred-Username',
    'X-Auth-Request-Access-Token',
    'X-Auth-Request-Redirect',
  ];
  const variants = (h: string) => [h, h.toLowerCase(), h.toUpperCase(), h.replaceAll('-', '_'), h.toLowerCase().replaceAll('-', '_'), mixed(h)];
  // x_forwarded-USER style: some separators replaced, case mixed.
  const mixed = (h: string) => {
    const parts = h.split('-');
    return parts.map((p, i) => (i % 2 ? p.toUpperCase() : p.toLowerCase())).join(parts.length > 2 ? '_' : '-').replace('_', '-');
  };

  for (const [label, ctx] of [
    ['anonymous', anon],
    ['authenticated', authed],
  ] as const) {
    for (const h of spoofable) {
      test(`${h} in every spelling is dropped (${label})`, () => {
        const raw: string[] = [];
        for (const v of variants(h)) raw.push(v, 'spoofed');
        const out = build(raw, ctx);
        for (let i = 0; i < out.length; i += 2) assert.notEqual(out[i + 1], 'spoofed', `${out[i]} leaked`);
      });
    }
  }

  test('x_auth_request_email and x-auth-request-whatever are dropped', () => {
    const out = build(['x_auth_request_email', 'e@evil', 'X-AUTH-REQUEST-WHATEVER', 'w', 'X_Auth-Request_Groups', 'g'], authed);
    assert.deepEqual(
      names(out).filter((n) => n.startsWith('x-auth-request')),
      [],
    );
  });

  test('only the injected values reach the upstream when authenticated', () => {
    const out = build(['X-Forwarded-User', 'root', 'x_forwarded_user', 'root', 'X-Forwarded-Groups', 'admins'], authed);
    assert.deepEqual(values(out, 'x-forwarded-user'), ['alice-sub']);
    assert.deepEqual(values(out, 'x_forwarded_user'), []);
    assert.deepEqual(values(out, 'x-forwarded-groups'), ['admins,devs']);
  });

  test('Authorization passes through unless the proxy injects it', () => {
    assert.deepEqual(values(build(['Authorization', 'Bearer client'], authed), 'authorization'), ['Bearer client']);
    const ctx: RequestHeaderContext = { trustedForwarded: false, identity: withBearer.request(SESSION) };
    const out = build(['Authorization', 'Bearer client', 'authorization', 'x', 'AUTHORIZATION', 'y', 'Authorization_', 'z'], ctx, {}, bearerRules);
    assert.deepEqual(values(out, 'authorization'), ['Bearer id-456']);
    const anonOut = build(['Authorization', 'Bearer client', 'authorization', 'x'], anon, {}, bearerRules);
    assert.deepEqual(values(anonOut, 'authorization'), []);
  });

  test('headers that only look similar are kept', () => {
    const out = build(['X-Forwarded-Users', 'a', 'X-Auth-Requested', 'b', 'X-User', 'c'], authed);
    assert.deepEqual(values(out, 'x-forwarded-users'), ['a']);
    assert.deepEqual(values(out, 'x-auth-requested'), ['b']);
    assert.deepEqual(values(out, 'x-user'), ['c']);
  });
});

describe('own cookies', () => {
  const cases: [string, string | undefined][] = [
    ['a=1; _oauth2_proxy=secret; b=2', 'a=1; b=2'],
    ['_oauth2_proxy=secret; a=1', 'a=1'],
    ['a=1; _oauth2_proxy=secret', 'a=1'],
    ['_oauth2_proxy_0=x; _oauth2_proxy_1=y; theme=dark; _oauth2_proxy_csrf=z', 'theme=dark'],
    ['_oauth2_proxy=secret', undefined],
    ['_oauth2_proxy_0=x;_oauth2_proxy_1=y', undefined],
    ['a=1;b=2', 'a=1;b=2'],
    ['a=1;  _oauth2_proxy=s ;b=2', 'a=1; b=2'],
    ['_oauth2_proxy_like=1', undefined],
    ['my_oauth2_proxy=1; flag', 'my_oauth2_proxy=1; flag'],
  ];
  for (const [cookie, expected] of cases) {
    test(`${JSON.stringify(cookie)} → ${JSON.stringify(expected)}`, () => {
      const out = build(['Cookie', cookie]);
      assert.deepEqual(values(out, 'cookie'), expected === undefined ? [] : [expected]);
    });
  }

  test('an untouched Cookie header is passed as the same string', () => {
    const c = 'a=1; b=2';
    assert.equal(filterCookies(c, isOwnCookie), c);
  });

  test('each Cookie line is filtered', () => {
    const out = build(['Cookie', 'a=1', 'Cookie', '_oauth2_proxy=x', 'Cookie', 'b=2; _oauth2_proxy_1=y']);
    assert.deepEqual(values(out, 'cookie'), ['a=1', 'b=2']);
  });
});

describe('forwarding headers', () => {
  test('X-Forwarded-For: the peer is appended to incoming values', () => {
    assert.deepEqual(values(build([]), 'x-forwarded-for'), [PEER]);
    assert.deepEqual(values(build(['X-Forwarded-For', '1.2.3.4']), 'x-forwarded-for'), [`1.2.3.4, ${PEER}`]);
    assert.deepEqual(values(build(['X-Forwarded-For', '1.1.1.1', 'x-forwarded-for', '2.2.2.2, 3.3.3.3']), 'x-forwarded-for'), [
      `1.1.1.1, 2.2.2.2, 3.3.3.3, ${PEER}`,
    ]);
  });

  test('X-Forwarded-For shows IPv4-mapped peers as IPv4 and skips unknown peers', () => {
    assert.deepEqual(values(build([], anon, { remoteAddress: '::ffff:192.0.2.1' }), 'x-forwarded-for'), ['192.0.2.1']);
    assert.deepEqual(values(build([], anon, { remoteAddress: '2001:db8::1' }), 'x-forwarded-for'), ['2001:db8::1']);
    assert.deepEqual(values(build([], anon, { remoteAddress: null }), 'x-forwarded-for'), []);
  });

  test('underscore spellings of forwarding headers are dropped even from a trusted proxy', () => {
    const trusted: RequestHeaderContext = { trustedForwarded: true, identity: [] };
    const out = build(['X_Forwarded_For', '6.6.6.6', 'X_Forwarded_Host', 'evil', 'x_forwarded_proto', 'https', 'X_Real_IP', '6.6.6.6'], trusted);
    assert.deepEqual(names(out).filter((n) => n.startsWith('x-forwarded') || n === 'x-real-ip'), [
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-host',
    ]);
    assert.deepEqual(values(out, 'x-forwarded-for'), [PEER]);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['app.example.com']);
    assert.deepEqual(values(out, 'x-forwarded-proto'), ['http']);
  });

  const spoof = ['X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'evil.example', 'Forwarded', 'for=6.6.6.6;host=evil', 'X-Real-IP', '6.6.6.6', 'X-Forwarded-Port', '443', 'X-Forwarded-Uri', '/public', 'X-Forwarded-Prefix', '/p'];

  test('untrusted: X-Forwarded-Proto/-Host come from this connection, the rest of the family is dropped', () => {
    const out = build(spoof);
    assert.deepEqual(values(out, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['app.example.com']);
    for (const h of ['forwarded', 'x-real-ip', 'x-forwarded-port', 'x-forwarded-uri', 'x-forwarded-prefix']) assert.deepEqual(values(out, h), [], h);
  });

  test('untrusted over TLS: proto is https', () => {
    assert.deepEqual(values(build(['X-Forwarded-Proto', 'http'], anon, { encrypted: true }), 'x-forwarded-proto'), ['https']);
  });

  test('trusted: incoming values are kept', () => {
    const out = build(spoof, { trustedForwarded: true, identity: [] });
    assert.deepEqual(values(out, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['evil.example']);
    assert.deepEqual(values(out, 'forwarded'), ['for=6.6.6.6;host=evil']);
    assert.deepEqual(values(out, 'x-real-ip'), ['6.6.6.6']);
    assert.deepEqual(values(out, 'x-forwarded-uri'), ['/public']);
  });

  test('trusted without incoming values: set from this connection', () => {
    const out = build([], { trustedForwarded: true, identity: [] }, { encrypted: true });
    assert.deepEqual(values(out, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['app.example.com']);
  });
});

describe('Host', () => {
  test('is preserved by default', () => {
    assert.deepEqual(values(build([]), 'host'), ['app.example.com']);
  });
  test('is the upstream host:port without pass-host-header', () => {
    const out = build([], anon, {}, rules, routeNoHost);
    assert.deepEqual(values(out, 'host'), ['127.0.0.1:8080']);
    assert.deepEqual(values(out, 'x-forwarded-host'), ['app.example.com']);
  });
  test('falls back to the upstream host when the client sent none', () => {
    const out = rules.request(fakeReq([]), route, anon);
    assert.deepEqual(values(out, 'host'), ['127.0.0.1:8080']);
    assert.deepEqual(values(out, 'x-forwarded-host'), []);
  });
  test('is sent once even when the client repeats it', () => {
    assert.deepEqual(values(build(['Host', 'other.example']), 'host'), ['app.example.com']);
  });
});

describe('other headers', () => {
  test('end-to-end headers keep their spelling, order and duplicates', () => {
    const out = build(['Accept', 'a/b', 'X-Multi', '1', 'x-multi', '2', 'Content-Type', 'text/plain', 'Content-Length', '5']);
    assert.deepEqual(out.slice(0, 10), ['Accept', 'a/b', 'X-Multi', '1', 'x-multi', '2', 'Content-Type', 'text/plain', 'Content-Length', '5']);
  });

  test('identity headers come after the client headers, Host last', () => {
    const out = build(['Accept', '*/*'], authed);
    const n = names(out);
    assert.equal(n[0], 'accept');
    assert.ok(n.indexOf('x-forwarded-user') > 0);
    assert.equal(n.at(-1), 'host');
  });

  test('the output is a flat list of strings', () => {
    const out = build(['Accept', '*/*'], authed);
    assert.equal(out.length % 2, 0);
    for (const v of out) assert.equal(typeof v, 'string');
  });
});
