import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createProvider, ProviderError, type ProviderConfig } from '../../src/providers/index.js';
import { LOGIN_GOV_CLIENT, startFakeLoginGov, type FakeLoginGov } from '../support/fake-apis/login-gov.js';
import { providerSignIn } from '../support/fake-apis/sign-in.js';

describe('login.gov provider against a fake login.gov', () => {
  let lg: FakeLoginGov;
  before(async () => {
    lg = await startFakeLoginGov();
    lg.users = { alice: { email: 'alice@agency.gov', verified: true }, bob: { email: 'bob@agency.gov', verified: false } };
  });
  after(() => lg.close());

  const config = (extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
    provider: 'login.gov', clientId: LOGIN_GOV_CLIENT, clientSecret: '', jwtKey: lg.clientKeyPem,
    loginUrl: `${lg.url}/openid_connect/authorize`, redeemUrl: `${lg.url}/api/openid_connect/token`,
    profileUrl: `${lg.url}/api/openid_connect/userinfo`, pubjwkUrl: `${lg.url}/api/openid_connect/certs`, ...extra,
  });
  const signIn = async (user: string, extra: Partial<ProviderConfig> = {}) => {
    const p = createProvider(config(extra));
    await p.init();
    lg.nextUser = user;
    return providerSignIn(p, { nonce: 'n-0123456789abcdefghijklmnop' });
  };

  it('signs in with a private_key_jwt assertion, a nonce and LOA1, taking the verified email from userinfo', async () => {
    const s = await signIn('alice');
    assert.equal(s.email, 'alice@agency.gov');
    assert.equal(s.user, 'uuid-alice');
    assert.equal(lg.lastAuthorize?.get('acr_values'), 'http://idmanagement.gov/ns/assurance/loa/1');
    assert.equal(lg.lastAuthorize?.get('scope'), 'email openid');
    assert.equal(lg.lastToken?.get('client_secret'), null);
    assert.equal(createProvider(config()).displayName, 'login.gov');
  });

  it('refuses an unverified email', async () => {
    await assert.rejects(signIn('bob'), (e: unknown) => e instanceof ProviderError && e.code === 'email_unverified');
  });

  it('is refused by login.gov when signed with another key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await assert.rejects(signIn('alice', { jwtKey: other }), (e: unknown) => e instanceof ProviderError && e.code === 'invalid_client');
  });

  it('reports an unusable key at start-up', async () => {
    await assert.rejects(createProvider(config({ jwtKey: 'not a key' })).init(), (e: unknown) => e instanceof ProviderError && e.code === 'config' && /--jwt-key/.test(e.message));
  });
});
