import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionState } from '../../src/session/state.js';
import { createIdentityHeaders, headerValue, type IdentityHeaderOptions } from '../../src/upstream/identity.js';
import { DEFAULT_IDENTITY, SESSION } from './harness.js';

const OFF: IdentityHeaderOptions = {
  passUserHeaders: false,
  passAccessToken: false,
  passAuthorizationHeader: false,
  setXAuthRequest: false,
  setAuthorizationHeader: false,
  preferEmailToUser: false,
  passBasicAuth: false,
};

const asObject = (pairs: [string, string][]) => Object.fromEntries(pairs);

describe('identity request headers', () => {
  const cases: [string, Partial<IdentityHeaderOptions>, Record<string, string>][] = [
    ['all flags off', {}, {}],
    [
      'pass-user-headers',
      { passUserHeaders: true },
      {
        'X-Forwarded-User': 'alice-sub',
        'X-Forwarded-Email': 'alice@example.com',
        'X-Forwarded-Preferred-Username': 'alice',
        'X-Forwarded-Groups': 'admins,devs',
      },
    ],
    [
      'pass-basic-auth alone also passes user headers',
      { passBasicAuth: true },
      {
        'X-Forwarded-User': 'alice-sub',
        'X-Forwarded-Email': 'alice@example.com',
        'X-Forwarded-Preferred-Username': 'alice',
        'X-Forwarded-Groups': 'admins,devs',
      },
    ],
    [
      'prefer-email-to-user: user is the email and no X-Forwarded-Email',
      { passUserHeaders: true, preferEmailToUser: true },
      { 'X-Forwarded-User': 'alice@example.com', 'X-Forwarded-Preferred-Username': 'alice', 'X-Forwarded-Groups': 'admins,devs' },
    ],
    ['pass-access-token', { passAccessToken: true }, { 'X-Forwarded-Access-Token': 'at-123' }],
    ['pass-authorization-header', { passAuthorizationHeader: true }, { Authorization: 'Bearer id-456' }],
    [
      'set-xauthrequest also informs the upstream',
      { setXAuthRequest: true },
      { 'X-Auth-Request-User': 'alice-sub', 'X-Auth-Request-Email': 'alice@example.com', 'X-Auth-Request-Preferred-Username': 'alice', 'X-Auth-Request-Groups': 'admins,devs' },
    ],
    ['set-authorization-header is response-only', { setAuthorizationHeader: true }, {}],
    [
      'pass-basic-auth with a password',
      { passBasicAuth: true, basicAuthPassword: 'pw' },
      {
        Authorization: 'Basic ' + Buffer.from('alice-sub:pw').toString('base64'),
        'X-Forwarded-User': 'alice-sub',
        'X-Forwarded-Email': 'alice@example.com',
        'X-Forwarded-Preferred-Username': 'alice',
        'X-Forwarded-Groups': 'admins,devs',
      },
    ],
  ];
  for (const [name, flags, expected] of cases) {
    test(name, () => {
      const id = createIdentityHeaders({ ...OFF, ...flags });
      const got = id.request(SESSION);
      assert.deepEqual(asObject(got), expected);
      assert.equal(got.length, Object.keys(expected).length, 'no header twice');
    });
  }

  test('empty values produce no header', () => {
    const id = createIdentityHeaders({ ...DEFAULT_IDENTITY, passAccessToken: true, passAuthorizationHeader: true, setXAuthRequest: true });
    const s: SessionState = { user: 'bob', email: '', groups: [], createdAt: 0, expiresOn: 0 };
    assert.deepEqual(id.request(s), [
      ['X-Forwarded-User', 'bob'],
      ['X-Auth-Request-User', 'bob'],
    ]);
  });

  test('values with CR, LF or NUL are dropped, never injected', () => {
    const id = createIdentityHeaders({ ...DEFAULT_IDENTITY, passAccessToken: true });
    const s: SessionState = {
      user: 'mallory\r\nX-Forwarded-Email: admin@example.com',
      email: 'm@example.com\n',
      preferredUsername: 'nul\0byte',
      groups: ['ok', 'evil\r\nX-Admin: 1', 'fine'],
      accessToken: 'tab\tis-fine',
      createdAt: 0,
      expiresOn: 0,
    };
    assert.deepEqual(id.request(s), [
      ['X-Forwarded-Groups', 'ok,fine'],
      ['X-Forwarded-Access-Token', 'tab\tis-fine'],
    ]);
  });

  test('non-ASCII claims are sent as their UTF-8 bytes', () => {
    const id = createIdentityHeaders({ ...OFF, passUserHeaders: true });
    const got = asObject(id.request({ ...SESSION, user: 'José 山田', groups: ['équipe'] }));
    assert.equal(Buffer.from(got['X-Forwarded-User'], 'latin1').toString('utf8'), 'José 山田');
    assert.equal(Buffer.from(got['X-Forwarded-Groups'], 'latin1').toString('utf8'), 'équipe');
    assert.doesNotMatch(got['X-Forwarded-User'], /[^\x00-\xff]/);
  });
});

describe('identity response headers', () => {
  const cases: [string, Partial<IdentityHeaderOptions>, Record<string, string>][] = [
    ['GAP-Auth always', {}, { 'GAP-Auth': 'alice@example.com' }],
    [
      'set-xauthrequest',
      { setXAuthRequest: true },
      {
        'X-Auth-Request-User': 'alice-sub',
        'X-Auth-Request-Email': 'alice@example.com',
        'X-Auth-Request-Preferred-Username': 'alice',
        'X-Auth-Request-Groups': 'admins,devs',
        'GAP-Auth': 'alice@example.com',
      },
    ],
    [
      'set-xauthrequest with pass-access-token',
      { setXAuthRequest: true, passAccessToken: true },
      {
        'X-Auth-Request-User': 'alice-sub',
        'X-Auth-Request-Email': 'alice@example.com',
        'X-Auth-Request-Preferred-Username': 'alice',
        'X-Auth-Request-Groups': 'admins,devs',
        'X-Auth-Request-Access-Token': 'at-123',
        'GAP-Auth': 'alice@example.com',
      },
    ],
    ['pass-access-token alone adds nothing to responses', { passAccessToken: true }, { 'GAP-Auth': 'alice@example.com' }],
    ['set-authorization-header', { setAuthorizationHeader: true }, { Authorization: 'Bearer id-456', 'GAP-Auth': 'alice@example.com' }],
    [
      'set-basic-auth',
      { setBasicAuth: true, basicAuthPassword: 'pw', preferEmailToUser: true },
      { Authorization: 'Basic ' + Buffer.from('alice@example.com:pw').toString('base64'), 'GAP-Auth': 'alice@example.com' },
    ],
    ['user headers are request-only', { passUserHeaders: true, passAuthorizationHeader: true }, { 'GAP-Auth': 'alice@example.com' }],
  ];
  for (const [name, flags, expected] of cases) {
    test(name, () => {
      const id = createIdentityHeaders({ ...OFF, ...flags });
      assert.deepEqual(asObject(id.response(SESSION)), expected);
    });
  }

  test('GAP-Auth falls back to the user without an email', () => {
    const id = createIdentityHeaders(OFF);
    assert.deepEqual(id.response({ ...SESSION, email: '' }), [['GAP-Auth', 'alice-sub']]);
  });
});

describe('identity strips', () => {
  const always = [
    'x-forwarded-user',
    'x-forwarded-email',
    'x-forwarded-groups',
    'x-forwarded-preferred-username',
    'x-forwarded-access-token',
    'gap-auth',
    'x-auth-request-user',
    'x-auth-request-email',
    'x-auth-request-anything-at-all',
  ];
  for (const flags of [OFF, DEFAULT_IDENTITY]) {
    for (const name of always) {
      test(`${name} is stripped (${flags === OFF ? 'all flags off' : 'defaults'})`, () => {
        assert.equal(createIdentityHeaders(flags).strips(name), true);
      });
    }
  }

  test('authorization is stripped only when injected', () => {
    assert.equal(createIdentityHeaders(DEFAULT_IDENTITY).strips('authorization'), false);
    assert.equal(createIdentityHeaders({ ...OFF, setAuthorizationHeader: true }).strips('authorization'), false);
    assert.equal(createIdentityHeaders({ ...OFF, passAuthorizationHeader: true }).strips('authorization'), true);
    assert.equal(createIdentityHeaders({ ...OFF, passBasicAuth: true, basicAuthPassword: 'x' }).strips('authorization'), true);
  });

  test('unrelated headers are kept', () => {
    const id = createIdentityHeaders(DEFAULT_IDENTITY);
    for (const n of ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'cookie', 'x-auth-request', 'x-forwarded-users']) {
      assert.equal(id.strips(n), false, n);
    }
  });
});

describe('headerValue', () => {
  const cases: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ['', undefined],
    ['plain', 'plain'],
    ['a\tb', 'a\tb'],
    ['a\rb', undefined],
    ['a\nb', undefined],
    ['a\0b', undefined],
    ['a\x7fb', undefined],
    ['é', '\xc3\xa9'],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => assert.equal(headerValue(input), expected));
  }
});
