// The providers of one instance, found by id; a session goes back to the provider that issued it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Provider } from '../../src/providers/provider.js';
import { createProviderSet } from '../../src/providers/registry.js';
import { createProvider } from '../../src/providers/index.js';

const oidc = (clientId: string, providerId?: string): Provider =>
  createProvider({ provider: 'oidc', clientId, clientSecret: 's', oidcIssuerUrl: 'https://idp.example', ...(providerId ? { providerId } : {}) });

describe('provider set', () => {
  it('keeps <kind>=<client id> as the id unless one is given', () => {
    assert.equal(oidc('app').id, 'oidc=app');
    assert.equal(oidc('app', 'corp').id, 'corp');
    assert.equal(createProvider({ provider: 'github', clientId: 'g', clientSecret: 's', providerId: 'gh' }).id, 'gh');
  });

  it('with one provider, every session belongs to it, whatever id it carries', () => {
    const def = oidc('app');
    const set = createProviderSet({ provider: def });
    assert.equal(set.several, false);
    assert.equal(set.of({ providerId: 'oidc=old-client' }), def);
    assert.equal(set.of({}), def);
  });

  it('with several, finds a session\'s provider by id; none for an unknown one; the default for none', () => {
    const def = oidc('app');
    const corp = oidc('corp-app', 'corp');
    const set = createProviderSet({ provider: def, backendLogoutUrl: 'https://main/logout' }, [{ provider: corp }]);
    assert.equal(set.several, true);
    assert.deepEqual(set.all, [def, corp]);
    assert.equal(set.get('corp'), corp);
    assert.equal(set.of({ providerId: 'corp' }), corp);
    assert.equal(set.of({}), def);
    assert.equal(set.of({ providerId: 'gone' }), undefined);
    assert.equal(set.isLocal({ providerId: 'htpasswd' }), true);
    assert.equal(set.backendLogoutUrl(def), 'https://main/logout');
    assert.equal(set.backendLogoutUrl(corp), '');
  });

  it('refuses two providers with one id', () => {
    assert.throws(() => createProviderSet({ provider: oidc('a', 'x') }, [{ provider: oidc('b', 'x') }]), /used twice/);
  });
});
