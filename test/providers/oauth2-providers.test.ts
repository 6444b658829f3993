// One table per provider: a user who gets in and one who does not, against fake APIs answering as
// the providers document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compilePolicy, decide } from '../../src/authz/decide.js';
import { createProvider, ProviderError, type ProviderConfig } from '../../src/providers/index.js';
import { addProfileApis } from '../support/fake-apis/profiles.js';
import { startFakeApi, type FakeApi } from '../support/fake-apis/server.js';
import { providerSignIn } from '../support/fake-apis/sign-in.js';

describe('OAuth2 providers against fake APIs', () => {
  let api: FakeApi;
  before(async () => {
    api = await startFakeApi();
    api.oauth({ authorizePath: '/authorize', tokenPath: '/token', clientId: 'cid', clientSecret: 'csecret' });
    addProfileApis(api, {
      alice: { email: 'alice@example.com', groups: ['admins', 'users'], workspaces: ['acme'], repositories: ['acme/site'] },
      bob: { groups: ['users'], workspaces: ['other'] },
    });
  });
  after(() => api.close());

  const base = (provider: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider, clientId: 'cid', clientSecret: 'csecret', loginUrl: `${api.url}/authorize`, redeemUrl: `${api.url}/token`, ...extra,
  });

  interface Case { provider: string; display: string; scope: string; extra: () => Partial<ProviderConfig>; allowed: [string, { user: string; email: string; groups: string[] }]; refused: [string, string] }
  const cases: Case[] = [
    { provider: 'bitbucket', display: 'Bitbucket', scope: 'email team repository', extra: () => ({ validateUrl: `${api.url}/2.0/user/emails`, bitbucketTeam: 'acme', bitbucketRepository: 'acme/site' }),
      allowed: ['alice', { user: '', email: 'alice@example.com', groups: [] }], refused: ['bob', 'unauthorized'] },
    { provider: 'digitalocean', display: 'DigitalOcean', scope: 'read', extra: () => ({ profileUrl: `${api.url}/v2/account` }),
      allowed: ['alice', { user: '', email: 'alice@example.com', groups: [] }], refused: ['bob', 'missing_email'] },
    { provider: 'facebook', display: 'Facebook', scope: 'public_profile email', extra: () => ({ profileUrl: `${api.url}/v2.5/me` }),
      allowed: ['alice', { user: '', email: 'alice@example.com', groups: [] }], refused: ['bob', 'missing_email'] },
    { provider: 'linkedin', display: 'LinkedIn', scope: 'r_emailaddress r_liteprofile', extra: () => ({ profileUrl: `${api.url}/v2/emailAddress` }),
      allowed: ['alice', { user: '', email: 'alice@example.com', groups: [] }], refused: ['bob', 'missing_email'] },
    { provider: 'nextcloud', display: 'Nextcloud', scope: '', extra: () => ({ validateUrl: `${api.url}/ocs/v2.php/cloud/user?format=json` }),
      allowed: ['alice', { user: 'alice', email: 'alice@example.com', groups: ['admins', 'users'] }], refused: ['bob', 'missing_email'] },
    { provider: 'sourcehut', display: 'SourceHut', scope: 'meta.sr.ht/PROFILE:RO', extra: () => ({ profileUrl: `${api.url}/query` }),
      allowed: ['alice', { user: 'alice', email: 'alice@example.com', groups: [] }], refused: ['bob', 'missing_email'] },
    { provider: 'keycloak', display: 'Keycloak', scope: 'api', extra: () => ({ validateUrl: `${api.url}/userinfo` }),
      allowed: ['alice', { user: 'alice', email: 'alice@example.com', groups: ['admins', 'users'] }], refused: ['bob', 'missing_email'] },
  ];

  for (const c of cases) {
    describe(c.provider, () => {
      it('names itself and asks for its scope', () => {
        const p = createProvider(base(c.provider, c.extra()));
        assert.equal(p.displayName, c.display);
        assert.equal(new URL(p.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb', state: 's' })).searchParams.get('scope'), c.scope);
      });

      it(`lets ${c.allowed[0]} in`, async () => {
        const p = createProvider(base(c.provider, c.extra()));
        await p.init();
        api.nextUser = c.allowed[0];
        const s = await providerSignIn(p);
        assert.deepEqual({ user: s.user, email: s.email, groups: s.groups }, c.allowed[1]);
        assert.equal(decide(compilePolicy({ emailDomains: ['example.com'], allowedGroups: [] }), s).allow, true);
      });

      it(`refuses ${c.refused[0]} (${c.refused[1]})`, async () => {
        const p = createProvider(base(c.provider, c.extra()));
        await p.init();
        api.nextUser = c.refused[0];
        await assert.rejects(providerSignIn(p), (e: unknown) => e instanceof ProviderError && e.code === c.refused[1] && e.toProxyError().status === 403);
      });
    });
  }

  it('keycloak (legacy): --keycloak-group lets its members in alongside --allowed-group', () => {
    const p = createProvider(base('keycloak', { validateUrl: `${api.url}/userinfo`, keycloakGroups: ['admins'], allowedGroups: ['ops'] }));
    assert.deepEqual(p.allowedGroups, ['ops', 'admins']);
  });

  it('reads a form-encoded token response and sends the client credentials in the body', async () => {
    const form = await startFakeApi();
    try {
      form.oauth({ authorizePath: '/authorize', tokenPath: '/token', clientId: 'cid', clientSecret: 'csecret', formEncoded: true });
      addProfileApis(form, { alice: { email: 'alice@example.com' } });
      const p = createProvider({ provider: 'digitalocean', clientId: 'cid', clientSecret: 'csecret', loginUrl: `${form.url}/authorize`, redeemUrl: `${form.url}/token`, profileUrl: `${form.url}/v2/account`, resource: 'https://api.example' });
      await p.init();
      const s = await providerSignIn(p);
      assert.equal(s.email, 'alice@example.com');
      assert.equal(form.lastToken?.get('client_secret'), 'csecret');
      assert.equal(form.lastToken?.get('resource'), 'https://api.example');
    } finally {
      await form.close();
    }
  });
});
