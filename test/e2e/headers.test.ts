// What the upstream sees: for each header flag, the injected identity; and never a client-sent copy.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStack } from '../support/stack.js';

const SPOOFED_NAMES = [
  'X-Forwarded-User', 'x-forwarded-user', 'X_Forwarded_User', 'x_forwarded-USER',
  'X-Forwarded-Email', 'X_FORWARDED_EMAIL', 'X-Forwarded-Groups', 'x_forwarded_groups',
  'X-Forwarded-Preferred-Username', 'X-Forwarded-Access-Token', 'x_forwarded_access_token',
  'X-Auth-Request-User', 'X_Auth_Request_User', 'x-auth-request-email', 'X-Auth-Request-Groups',
  'X-Auth-Request-Preferred-Username', 'X-Auth-Request-Access-Token', 'x_auth_request_whatever', 'GAP-Auth', 'gap_auth',
];

function spoofHeaders(): Record<string, string> {
  const h: Record<string, string> = {};
  for (const n of SPOOFED_NAMES) h[n] = 'mallory';
  return h;
}

function assertNoSpoof(seen: { rawHeaders: string[] }): void {
  for (let i = 1; i < seen.rawHeaders.length; i += 2) {
    assert.notEqual(seen.rawHeaders[i], 'mallory', `spoofed ${seen.rawHeaders[i - 1]} reached the upstream`);
  }
}

describe('identity headers per flag', () => {
  const cases: Array<{ name: string; args: string[]; expect: Record<string, string | RegExp | undefined> }> = [
    {
      name: 'defaults (pass-user-headers)',
      args: [],
      expect: { 'x-forwarded-user': 'alice', 'x-forwarded-email': 'alice@example.com', 'x-forwarded-groups': 'admins,developers', 'x-forwarded-preferred-username': 'alice', 'x-auth-request-user': undefined, authorization: undefined, 'x-forwarded-access-token': undefined },
    },
    {
      name: '--pass-user-headers=false --pass-basic-auth=false',
      args: ['--pass-user-headers=false', '--pass-basic-auth=false'],
      expect: { 'x-forwarded-user': undefined, 'x-forwarded-email': undefined, 'x-forwarded-groups': undefined },
    },
    {
      name: '--prefer-email-to-user',
      args: ['--prefer-email-to-user=true'],
      expect: { 'x-forwarded-user': 'alice@example.com', 'x-forwarded-email': undefined },
    },
    {
      name: '--set-xauthrequest',
      args: ['--set-xauthrequest=true'],
      expect: { 'x-auth-request-user': 'alice', 'x-auth-request-email': 'alice@example.com', 'x-auth-request-preferred-username': 'alice', 'x-auth-request-groups': 'admins,developers' },
    },
    {
      name: '--pass-access-token',
      args: ['--pass-access-token=true'],
      expect: { 'x-forwarded-access-token': /^[\w.-]{16,}$/ },
    },
    {
      name: '--pass-authorization-header',
      args: ['--pass-authorization-header=true'],
      expect: { authorization: /^Bearer eyJ[\w-]+\.[\w-]+\.[\w-]+$/ },
    },
  ];

  for (const c of cases) {
    it(`${c.name}: the upstream sees exactly the injected identity, no spoofed copies`, async () => {
      const s = await startStack({ args: c.args });
      try {
        const client = s.newClient();
        await s.signIn(client, 'alice');
        const r = await client.request(`${s.proxy.url}/check`, { headers: { ...spoofHeaders(), Authorization: 'Bearer spoofed-by-client', Connection: 'X-Forwarded-User, keep-alive' } });
        assert.equal(r.status, 200, r.body);
        const seen = JSON.parse(r.body);
        for (const [name, want] of Object.entries(c.expect)) {
          const got = seen.headers[name];
          if (want === undefined) {
            if (name === 'authorization') assert.ok(got === undefined || got === 'Bearer spoofed-by-client', `authorization: ${got}`);
            else assert.equal(got, undefined, `${name} should be absent`);
          } else if (want instanceof RegExp) assert.match(String(got), want, name);
          else assert.equal(got, want, name);
        }
        assertNoSpoof(seen);
        // The response to the client carries the identity too, as oauth2-proxy's does.
        assert.equal(r.headers['gap-auth'], 'alice@example.com');
        if (c.args.includes('--set-xauthrequest=true')) assert.equal(r.headers['x-auth-request-user'], 'alice');
        if (c.args.includes('--pass-authorization-header=true')) assert.notEqual(seen.headers.authorization, 'Bearer spoofed-by-client');
      } finally {
        await s.close();
      }
    });
  }
});

describe('spoofed headers from unauthenticated clients', () => {
  it('never reach the upstream: there is no upstream request at all', async () => {
    const s = await startStack({});
    try {
      const r = await s.anonymous.request(`${s.proxy.url}/`, { headers: { ...spoofHeaders(), accept: 'text/html' } });
      assert.equal(r.status, 403);
      assert.equal(s.echo.requests.length, 0);
    } finally {
      await s.close();
    }
  });
});
