import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProvider, ProviderError, type ProviderConfig } from '../../src/providers/index.js';
import { GITHUB_CLIENT, startFakeGitHub, type FakeGitHub } from '../support/fake-apis/github.js';
import { providerSignIn } from '../support/fake-apis/sign-in.js';

describe('github provider against a fake GitHub Enterprise', () => {
  let gh: FakeGitHub;
  before(async () => {
    gh = await startFakeGitHub({ apiPrefix: '/api/v3', pageSize: 2 });
    gh.users = {
      alice: {
        emails: [{ email: 'old@example.com', primary: false, verified: true }, { email: 'alice@example.com', primary: true, verified: true }],
        orgs: ['acme', 'widgets', 'tools'],
        teams: [['acme', 'ops'], ['widgets', 'dev'], ['acme', 'sre']],
        repos: { 'acme/site': { private: false, push: true, pull: true }, 'acme/secret': { private: true, push: false, pull: true }, 'acme/public': { private: false, push: false, pull: true } },
      },
      bob: { emails: [{ email: 'bob@example.com', primary: true, verified: true }], orgs: ['widgets'], teams: [['widgets', 'dev']] },
      carol: { emails: [{ email: 'carol@example.com', primary: true, verified: false }], orgs: ['acme'] },
    };
    gh.users.alice!.collaboratorOf = ['acme/site'];
  });
  after(() => gh.close());

  const config = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider: 'github',
    clientId: GITHUB_CLIENT.id,
    clientSecret: GITHUB_CLIENT.secret,
    loginUrl: `${gh.url}/login/oauth/authorize`,
    redeemUrl: `${gh.url}/login/oauth/access_token`,
    validateUrl: `${gh.url}/api/v3/`,
    ...extra,
  });

  async function signIn(user: string, extra: Partial<ProviderConfig> = {}) {
    const p = createProvider(config(extra));
    await p.init();
    gh.nextUser = user;
    return providerSignIn(p);
  }

  it('asks for GitHub\'s default scope and names itself GitHub', () => {
    const p = createProvider(config());
    assert.equal(p.displayName, 'GitHub');
    assert.equal(p.supportsRefresh, false);
    const url = p.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb', state: 's' });
    assert.equal(url.searchParams.get('scope'), 'user:email read:org');
    assert.equal(url.searchParams.get('client_id'), GITHUB_CLIENT.id);
    assert.equal(url.searchParams.get('approval_prompt'), 'force');
  });

  it('builds the session from every page of orgs and teams, the login and the primary verified email', async () => {
    const s = await signIn('alice');
    assert.equal(s.user, 'alice');
    assert.equal(s.email, 'alice@example.com');
    assert.deepEqual(s.groups, ['acme', 'widgets', 'tools', 'acme:ops', 'widgets:dev', 'acme:sre']);
    assert.equal(s.providerId, `github=${GITHUB_CLIENT.id}`);
    // Three orgs at two per page: the Link header was followed to page 2.
    assert.ok(gh.requests.some((r) => r.path === '/api/v3/user/orgs' && r.query.get('page') === '2'));
  });

  const cases: Array<[string, string, Partial<ProviderConfig>, boolean]> = [
    ['org member', 'alice', { githubOrg: 'acme' }, true],
    ['org member, other case', 'alice', { githubOrg: 'ACME' }, true],
    ['not in the org', 'bob', { githubOrg: 'acme' }, false],
    ['org and one of the teams', 'alice', { githubOrg: 'acme', githubTeam: 'admins, sre' }, true],
    ['org but none of the teams', 'alice', { githubOrg: 'acme', githubTeam: 'admins' }, false],
    ['team given as org:team', 'bob', { githubTeam: 'widgets:dev' }, true],
    ['team without org must be qualified', 'bob', { githubTeam: 'dev' }, false],
    ['listed user without org', 'bob', { githubUsers: ['bob'] }, true],
    ['unlisted user without org or repo', 'alice', { githubUsers: ['bob'] }, false],
    ['listed user skips the org rule', 'bob', { githubUsers: ['bob'], githubOrg: 'acme' }, true],
    ['unlisted user still passes the org rule', 'alice', { githubUsers: ['bob'], githubOrg: 'acme' }, true],
    ['push access to the repository', 'alice', { githubRepo: 'acme/site' }, true],
    ['pull access to a private repository', 'alice', { githubRepo: 'acme/secret' }, true],
    ['pull access to a public repository only', 'alice', { githubRepo: 'acme/public' }, false],
    ['no access to the repository', 'bob', { githubRepo: 'acme/site' }, false],
    ['collaborator, checked with --github-token', 'alice', { githubRepo: 'acme/site', githubToken: 'TOKEN' }, true],
    ['not a collaborator', 'bob', { githubRepo: 'acme/site', githubToken: 'TOKEN' }, false],
  ];
  for (const [name, user, given, allowed] of cases) {
    it(`${allowed ? 'allows' : 'refuses'}: ${name}`, async () => {
      const extra = given.githubToken ? { ...given, githubToken: gh.tokenFor('alice') } : given;
      const outcome = await signIn(user, extra).then(() => 'allowed', (e: unknown) => e);
      if (allowed) assert.equal(outcome, 'allowed');
      else {
        assert.ok(outcome instanceof ProviderError, String(outcome));
        assert.equal(outcome.code, 'unauthorized');
        assert.equal(outcome.fatal, true);
        assert.equal(outcome.toProxyError().status, 403);
      }
    });
  }

  it('refuses an account whose primary email is not verified', async () => {
    await assert.rejects(signIn('carol'), (e: unknown) => e instanceof ProviderError && e.code === 'missing_email');
  });

  it('reports GitHub\'s rate limit without leaking the token', async () => {
    gh.rateLimited = true;
    try {
      await assert.rejects(signIn('alice'), (e: unknown) => e instanceof ProviderError && e.code === 'rate_limited' && !/at-alice/.test(e.message) && /rate limited until/.test(e.message));
    } finally {
      gh.rateLimited = false;
    }
  });

  it('refuses a token request with a wrong secret as invalid_client', async () => {
    await assert.rejects(signIn('alice', { clientSecret: 'wrong' }), (e: unknown) => e instanceof ProviderError && e.code === 'invalid_client' && !/wrong/.test(e.message));
  });

  it('refuses a plain-http API URL off loopback at start-up', async () => {
    const p = createProvider(config({ validateUrl: 'http://github.example.com/api/v3' }));
    await assert.rejects(p.init(), (e: unknown) => e instanceof ProviderError && e.code === 'config' && /https/.test(e.message));
  });
});
