// The azure provider against a fake Azure AD and Microsoft Graph: v1 and v2 endpoints, tenant URLs,
// verified ID tokens, Graph groups over several pages, refresh, and who gets in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compilePolicy, decide } from '../../src/authz/decide.js';
import { AzureProvider } from '../../src/providers/azure.js';
import { createProvider, ProviderError, type ProviderConfig } from '../../src/providers/index.js';
import { AZURE_CLIENT, startFakeAzure, type FakeAzure } from '../support/fake-apis/azure.js';
import { providerSignIn } from '../support/fake-apis/sign-in.js';

const GRAPH_DEFAULT = 'https://graph.microsoft.com/.default';
const ENG = { id: 'g-eng', displayName: 'Engineering', securityEnabled: true };
const OPS = { id: 'g-ops', displayName: 'Operations', securityEnabled: true };
const ALL = { id: 'g-all', displayName: 'Everyone', securityEnabled: true };
const NEWS = { id: 'g-news', displayName: 'Newsletter', securityEnabled: false };

describe('azure provider against a fake Azure AD and Microsoft Graph', () => {
  let az: FakeAzure;
  before(async () => {
    az = await startFakeAzure();
    az.users = {
      alice: { claims: { email: 'alice@corp.example', preferred_username: 'alice@corp.example', groups: ['claim-group'] }, memberOf: [ENG, NEWS, OPS, ALL] },
      bob: { claims: { email: 'bob@corp.example' }, memberOf: [ALL] },
      mallory: { claims: { email: 'mallory@evil.example' }, memberOf: [ENG] },
      carol: { claims: { upn: 'carol@corp.example', groups: ['g-v1'] } },
      dave: { claims: { unique_name: 'dave@corp.example' } },
      erin: { claims: {}, profile: { otherMails: ['erin@corp.example'], userPrincipalName: 'erin_corp#EXT#@corp.onmicrosoft.com' } },
      eve: { claims: { email: 'eve@corp.example', email_verified: false } },
    };
  });
  after(() => az.close());

  const discovered = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider: 'azure', clientId: AZURE_CLIENT.id, clientSecret: AZURE_CLIENT.secret,
    oidcIssuerUrl: `${az.url}/contoso/v2.0`, apiBaseUrls: { microsoftGraph: `${az.url}/v1.0/me` }, ...extra,
  });
  // v1 with hand-written endpoints, as Azure's v1 discovery lives on another host than its issuer.
  const v1 = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider: 'azure', clientId: AZURE_CLIENT.id, clientSecret: AZURE_CLIENT.secret, azureTenant: 'contoso',
    skipOidcDiscovery: true, oidcIssuerUrl: `${az.url}/sts/contoso/`, oidcJwksUrl: `${az.url}/contoso/discovery/keys`,
    loginUrl: `${az.url}/contoso/oauth2/authorize`, redeemUrl: `${az.url}/contoso/oauth2/token`,
    apiBaseUrls: { microsoftGraph: `${az.url}/v1.0/me` }, ...extra,
  });
  const signIn = async (user: string, config: ProviderConfig) => {
    const provider = createProvider(config);
    await provider.init();
    az.nextUser = user;
    return { provider, session: await providerSignIn(provider) };
  };
  const graphCalls = () => az.requests.filter((r) => r.path.startsWith('/v1.0/me/transitiveMemberOf')).length;
  const policy = (allowedGroups: string[] = []) => compilePolicy({ emailDomains: ['corp.example'], allowedGroups });
  const isError = (code: string) => (e: unknown) => e instanceof ProviderError && e.code === code;

  interface Case {
    name: string;
    user: string;
    config: () => ProviderConfig;
    allowedGroups?: string[];
    /** email, groups and the decision, or the ProviderError code of a refused sign-in */
    expect: { email: string; groups: string[]; allow: boolean } | { error: string };
    check?: (p: AzureProvider) => void;
  }
  const cases: Case[] = [
    { name: 'v2 (discovered): email from the ID token, security groups from every Graph page', user: 'alice', config: () => discovered(), allowedGroups: ['g-ops'],
      expect: { email: 'alice@corp.example', groups: ['claim-group', 'g-eng', 'g-ops', 'g-all'], allow: true },
      check: (p) => {
        assert.equal(p.settings.v2, true);
        assert.equal(az.lastAuthorize?.get('scope'), `openid ${GRAPH_DEFAULT}`);
        assert.equal(az.lastAuthorize?.get('resource'), null);
        assert.equal(az.lastToken?.get('resource'), null);
      } },
    { name: 'v2: a user outside the allowed groups is refused', user: 'bob', config: () => discovered(), allowedGroups: ['g-ops'],
      expect: { email: 'bob@corp.example', groups: ['g-all'], allow: false } },
    { name: 'v2: a user outside the email domain is refused', user: 'mallory', config: () => discovered(),
      expect: { email: 'mallory@evil.example', groups: ['g-eng'], allow: false } },
    { name: 'v2: --azure-graph-group-field=displayName names groups by display name', user: 'alice', config: () => discovered({ azureGraphGroupField: 'displayName' }), allowedGroups: ['Operations'],
      expect: { email: 'alice@corp.example', groups: ['claim-group', 'Engineering', 'Operations', 'Everyone'], allow: true } },
    { name: 'v2: `groups` is dropped from --scope and Graph\'s .default added', user: 'bob', config: () => discovered({ scope: 'openid profile groups' }),
      expect: { email: 'bob@corp.example', groups: ['g-all'], allow: true },
      check: () => assert.equal(az.lastAuthorize?.get('scope'), `openid profile ${GRAPH_DEFAULT}`) },
    { name: 'v2 multi-tenant (common): the templated issuer is checked with the token\'s tid', user: 'bob', config: () => discovered({ oidcIssuerUrl: `${az.url}/common/v2.0` }),
      expect: { email: 'bob@corp.example', groups: ['g-all'], allow: true } },
    { name: 'v2: without an email claim, Graph /me gives one', user: 'erin', config: () => discovered(),
      expect: { email: 'erin@corp.example', groups: [], allow: true } },
    { name: 'v1: --resource goes with the authorization and token requests; groups from the ID token only', user: 'carol', config: () => v1({ resource: 'https://api.corp.example' }), allowedGroups: ['g-v1'],
      expect: { email: 'carol@corp.example', groups: ['g-v1'], allow: true },
      check: (p) => {
        assert.equal(p.settings.v2, false);
        assert.equal(az.lastAuthorize?.get('scope'), 'openid');
        assert.equal(az.lastAuthorize?.get('resource'), 'https://api.corp.example');
        assert.equal(az.lastToken?.get('resource'), 'https://api.corp.example');
      } },
    { name: 'v1 (discovered from the sts issuer): unique_name stands in for the email', user: 'dave', config: () => discovered({ oidcIssuerUrl: `${az.url}/sts/contoso/` }),
      expect: { email: 'dave@corp.example', groups: [], allow: true },
      check: (p) => assert.equal(p.settings.loginUrl, `${az.url}/contoso/oauth2/authorize`) },
    { name: 'an email Azure marks unverified is refused', user: 'eve', config: () => discovered(), expect: { error: 'email_unverified' } },
    { name: 'an ID token signed with a key outside the JWKS is refused', user: 'alice', config: () => discovered(), expect: { error: 'id_token_invalid' } },
    { name: 'an ID token of another tenant is refused', user: 'alice', config: () => v1({ oidcIssuerUrl: `${az.url}/sts/fabrikam/` }), expect: { error: 'id_token_invalid' } },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      az.signWithForeignKey = c.name.includes('outside the JWKS');
      try {
        const config = c.config();
        if ('error' in c.expect) {
          await assert.rejects(signIn(c.user, config), isError(c.expect.error));
          return;
        }
        const graphBefore = graphCalls();
        const { provider, session } = await signIn(c.user, config);
        assert.deepEqual({ email: session.email, groups: session.groups }, { email: c.expect.email, groups: c.expect.groups });
        assert.equal(session.user, `sub-${c.user}`);
        assert.equal(decide(policy(c.allowedGroups), session).allow, c.expect.allow);
        assert.ok(provider instanceof AzureProvider);
        if (!provider.settings.v2) assert.equal(graphCalls(), graphBefore, 'v1 does not call Graph');
        c.check?.(provider);
      } finally {
        az.signWithForeignKey = false;
      }
    });
  }

  it('reads groups page by page, sending ConsistencyLevel and the security-group filter', async () => {
    const from = az.requests.length;
    await signIn('alice', discovered());
    const pages = az.requests.slice(from).filter((r) => r.path === '/v1.0/me/transitiveMemberOf');
    assert.equal(pages.length, 2);
    for (const p of pages) {
      assert.equal(p.headers.consistencylevel, 'eventual');
      assert.equal(p.query.get('$filter'), 'securityEnabled eq true');
      assert.equal(p.query.get('$select'), 'displayName,id');
    }
    assert.equal(pages[1]?.query.get('$skiptoken'), '2');
  });

  it('rewrites Microsoft\'s default URLs for --azure-tenant, v1 and v2', () => {
    const tenant = { provider: 'azure', clientId: 'c', clientSecret: 's', azureTenant: 'contoso', skipOidcDiscovery: true };
    const auth = (c: ProviderConfig) => createProvider(c).authorizationUrl({ redirectUri: 'https://app.example/oauth2/callback', state: 's' });
    const v1url = auth({ ...tenant, oidcIssuerUrl: 'https://sts.windows.net/contoso/', resource: 'https://graph.windows.net' });
    assert.equal(v1url.origin + v1url.pathname, 'https://login.microsoftonline.com/contoso/oauth2/authorize');
    assert.equal(v1url.searchParams.get('resource'), 'https://graph.windows.net');
    const v2url = auth({ ...tenant, oidcIssuerUrl: 'https://login.microsoftonline.com/contoso/v2.0', resource: 'https://graph.windows.net' });
    assert.equal(v2url.origin + v2url.pathname, 'https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize');
    assert.equal(v2url.searchParams.get('resource'), null);
    assert.equal(v2url.searchParams.get('scope'), `openid ${GRAPH_DEFAULT}`);
    const common = createProvider({ provider: 'azure', clientId: 'c', clientSecret: 's', oidcIssuerUrl: 'https://sts.windows.net/x/', skipOidcDiscovery: true }) as AzureProvider;
    assert.equal(common.settings.loginUrl, 'https://login.microsoftonline.com/common/oauth2/authorize');
    assert.equal(common.settings.redeemUrl, 'https://login.microsoftonline.com/common/oauth2/token');
    assert.equal(common.displayName, 'Azure');
    // A URL of the operator's own is kept, and decides v1 or v2.
    const own = createProvider({ ...tenant, oidcIssuerUrl: 'https://sts.windows.net/x/', loginUrl: 'https://login.example/t/oauth2/v2.0/authorize', redeemUrl: 'https://login.example/t/oauth2/v2.0/token' }) as AzureProvider;
    assert.equal(own.settings.loginUrl, 'https://login.example/t/oauth2/v2.0/authorize');
    assert.equal(own.settings.v2, true);
  });

  it('refreshes with the refresh token, reading groups again; keeps the identity when no ID token comes back', async () => {
    const { provider, session } = await signIn('alice', discovered());
    assert.ok(session.refreshToken);
    assert.equal(provider.supportsRefresh, true);
    const fresh = await provider.refresh(session);
    assert.equal(az.lastToken?.get('grant_type'), 'refresh_token');
    assert.notEqual(fresh.accessToken, session.accessToken);
    assert.equal(fresh.email, 'alice@corp.example');
    assert.deepEqual(fresh.groups, session.groups);
    assert.ok(fresh.expiresOn > Date.now());

    az.omitIdTokenOnRefresh = true;
    try {
      const again = await provider.refresh(fresh);
      assert.equal(again.email, 'alice@corp.example');
      assert.equal(again.user, 'sub-alice');
      assert.equal(again.idToken, fresh.idToken);
      assert.deepEqual(again.groups, ['g-eng', 'g-ops', 'g-all']);
    } finally {
      az.omitIdTokenOnRefresh = false;
    }
    await assert.rejects(provider.refresh({ ...session, refreshToken: 'rt-' }), (e: unknown) => isError('invalid_grant')(e) && (e as ProviderError).fatal);
  });

  it('fails the sign-in when Graph refuses, without the access token in the message', async () => {
    az.graphStatus = 403;
    try {
      const err = await signIn('alice', discovered()).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof ProviderError && err.code === 'idp_error', String(err));
      assert.match(err.message, /Microsoft Graph|transitiveMemberOf|403/);
      assert.doesNotMatch(err.message, /at-alice|az-secret/);
      assert.equal(err.fatal, false);
    } finally {
      az.graphStatus = 0;
    }
  });

  it('refuses to start without an issuer, or without a JWKS URL when discovery is skipped', async () => {
    await assert.rejects(createProvider({ provider: 'azure', clientId: 'c', clientSecret: 's' }).init(), isError('config'));
    await assert.rejects(createProvider({ provider: 'azure', clientId: 'c', clientSecret: 's', oidcIssuerUrl: 'https://sts.windows.net/x/', skipOidcDiscovery: true }).init(), isError('config'));
    await assert.rejects(createProvider(discovered({ oidcIssuerUrl: `${az.url}/nowhere/v2.0` })).init(), (e: unknown) => e instanceof ProviderError && !e.message.includes('az-secret'));
  });
});
