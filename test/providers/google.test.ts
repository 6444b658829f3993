import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createProvider, ProviderError, type ProviderConfig } from '../../src/providers/index.js';
import { GOOGLE_CLIENT, startFakeGoogle, type FakeGoogle } from '../support/fake-apis/google.js';
import { providerSignIn } from '../support/fake-apis/sign-in.js';

describe('google provider against a fake Google', () => {
  let g: FakeGoogle;
  let dir: string;
  let saFile: string;
  before(async () => {
    g = await startFakeGoogle();
    g.users = {
      alice: { email: 'alice@corp.example', verified: true, groups: ['eng@corp.example', 'ops@corp.example', 'all@corp.example'] },
      bob: { email: 'bob@corp.example', verified: true, groups: ['all@corp.example'] },
      eve: { email: 'eve@corp.example', verified: false },
    };
    dir = mkdtempSync(join(tmpdir(), 'google-'));
    saFile = join(dir, 'sa.json');
    writeFileSync(saFile, g.serviceAccountJson());
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await g.close();
  });

  const config = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider: 'google', clientId: GOOGLE_CLIENT.id, clientSecret: GOOGLE_CLIENT.secret,
    loginUrl: `${g.url}/o/oauth2/auth?access_type=offline`, redeemUrl: `${g.url}/token`, oidcJwksUrl: `${g.url}/oauth2/v3/certs`,
    apiBaseUrls: { googleAdmin: `${g.url}/admin/directory/v1/` },
    ...extra,
  });
  const signIn = async (user: string, extra: Partial<ProviderConfig> = {}) => {
    const p = createProvider(config(extra));
    await p.init();
    g.nextUser = user;
    return { provider: p, session: await providerSignIn(p) };
  };

  it('is the default kind with Google\'s scope, offline access and display name', () => {
    const p = createProvider(config());
    assert.equal(p.displayName, 'Google');
    const url = p.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb', state: 's' });
    assert.equal(url.searchParams.get('scope'), 'profile email');
    assert.equal(url.searchParams.get('access_type'), 'offline');
  });

  it('takes email and subject from the verified ID token, and refreshes', async () => {
    const { provider, session } = await signIn('alice');
    assert.equal(session.email, 'alice@corp.example');
    assert.equal(session.user, '10005alice');
    assert.ok(session.refreshToken);
    const fresh = await provider.refresh(session);
    assert.equal(fresh.email, 'alice@corp.example');
    assert.notEqual(fresh.accessToken, session.accessToken);
  });

  it('refuses an unverified email', async () => {
    await assert.rejects(signIn('eve'), (e: unknown) => e instanceof ProviderError && e.code === 'email_unverified');
  });

  it('with --google-group: the groups the user is in, and only those decide', async () => {
    g.refusedScopes = new Set(['https://www.googleapis.com/auth/admin.directory.group.member.readonly']);
    const extra = { googleServiceAccountJson: saFile, googleAdminEmail: 'admin@corp.example', googleGroups: ['ops@corp.example', 'missing@corp.example'] };
    const { provider, session } = await signIn('alice', extra);
    assert.deepEqual(session.groups, ['ops@corp.example']);
    assert.deepEqual(provider.allowedGroups, ['ops@corp.example', 'missing@corp.example']);
    assert.deepEqual((await signIn('bob', extra)).session.groups, []);
    g.refusedScopes = new Set();
  });

  it('without --google-group: every group, over all pages', async () => {
    const { provider, session } = await signIn('alice', { googleServiceAccountJson: saFile, googleAdminEmail: 'admin@corp.example' });
    assert.deepEqual(session.groups, ['eng@corp.example', 'ops@corp.example', 'all@corp.example']);
    assert.equal(provider.allowedGroups, undefined);
  });

  it('refuses to start when the service account may not read groups', async () => {
    g.refusedScopes = new Set([
      'https://www.googleapis.com/auth/admin.directory.group.member.readonly', 'https://www.googleapis.com/auth/admin.directory.group.readonly',
      'https://www.googleapis.com/auth/admin.directory.group.member', 'https://www.googleapis.com/auth/admin.directory.group',
    ]);
    try {
      const p = createProvider(config({ googleServiceAccountJson: saFile, googleAdminEmail: 'admin@corp.example' }));
      await assert.rejects(p.init(), (e: unknown) => e instanceof ProviderError && e.code === 'config' && /domain-wide delegation/.test(e.message));
    } finally {
      g.refusedScopes = new Set();
    }
  });

  it('refuses an ID token signed by someone else', async () => {
    const p = createProvider(config({ oidcJwksUrl: `${g.url}/nowhere` }));
    await p.init();
    g.nextUser = 'alice';
    await assert.rejects(providerSignIn(p), (e: unknown) => e instanceof ProviderError && e.code === 'id_token_invalid');
  });
});
