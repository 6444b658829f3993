// Start-up checks of the provider kinds: what each needs, reported with the flag's name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Config } from '../../src/config/types.js';
import { validate } from '../../src/config/validate.js';
import { VALID_ARGS, assertHasError, loadOk } from './support.js';

const errorsWith = (o: Partial<Record<keyof Config, unknown>>) => validate({ ...loadOk(VALID_ARGS).config, oidcIssuerUrl: '', ...o } as Config);

describe('provider validation', () => {
  it('accepts every implemented kind with its minimal settings', () => {
    const minimal: Record<string, Partial<Record<keyof Config, unknown>>> = {
      google: {}, github: {}, bitbucket: {}, digitalocean: {}, facebook: {}, linkedin: {}, sourcehut: {},
      oidc: { oidcIssuerUrl: 'https://idp.example' }, 'keycloak-oidc': { oidcIssuerUrl: 'https://kc.example/realms/x' },
      'entra-id': { oidcIssuerUrl: 'https://login.microsoftonline.com/t/v2.0' }, adfs: { oidcIssuerUrl: 'https://adfs.example/adfs' },
      azure: { oidcIssuerUrl: 'https://login.microsoftonline.com/t/v2.0' },
      gitlab: { oidcIssuerUrl: 'https://gitlab.com' }, cidaas: { oidcIssuerUrl: 'https://x.cidaas.de' },
      nextcloud: { loginUrl: 'https://nc/apps/oauth2/authorize', redeemUrl: 'https://nc/apps/oauth2/api/v1/token', validateUrl: 'https://nc/ocs/v2.php/cloud/user?format=json' },
      keycloak: { loginUrl: 'https://kc/auth', redeemUrl: 'https://kc/token', validateUrl: 'https://kc/userinfo' },
      'login.gov': { clientSecret: '', jwtKeyFile: '/etc/key.pem', pubjwkUrl: 'https://secure.login.gov/api/openid_connect/certs' },
    };
    for (const [provider, o] of Object.entries(minimal)) assert.deepEqual(errorsWith({ provider, ...o }), [], provider);
  });

  it('checks azure: an issuer to verify ID tokens, a JWKS URL without discovery, its tenant and Graph field', () => {
    assertHasError(errorsWith({ provider: 'azure' }), 'oidc-issuer-url', 'required with --provider=azure');
    assertHasError(errorsWith({ provider: 'azure', oidcIssuerUrl: 'https://sts.windows.net/t/', skipOidcDiscovery: true }), 'oidc-jwks-url', 'missing setting');
    assert.deepEqual(errorsWith({ provider: 'azure', oidcIssuerUrl: 'https://sts.windows.net/t/', skipOidcDiscovery: true, oidcJwksUrl: 'https://login.microsoftonline.com/t/discovery/keys', azureTenant: 'contoso.onmicrosoft.com', azureGraphGroupField: 'displayName' }), []);
    assertHasError(errorsWith({ provider: 'azure', oidcIssuerUrl: 'https://login.microsoftonline.com/t/v2.0', azureGraphGroupField: 'id,mail' }), 'azure-graph-group-field', 'property name');
    assertHasError(errorsWith({ provider: 'azure', oidcIssuerUrl: 'https://login.microsoftonline.com/t/v2.0', azureTenant: '../x' }), 'azure-tenant', 'tenant id');
  });

  it('refuses unknown kinds, listing the valid ones', () => {
    assertHasError(errorsWith({ provider: 'okta' }), 'provider', /"okta" is not a valid provider \(valid: oidc, keycloak-oidc/);
  });

  it('names what each kind is missing', () => {
    assertHasError(errorsWith({ provider: 'gitlab' }), 'oidc-issuer-url', 'missing setting');
    for (const flag of ['login-url', 'redeem-url', 'validate-url']) assertHasError(errorsWith({ provider: 'nextcloud' }), flag, 'nextcloud');
    const lg = errorsWith({ provider: 'login.gov', clientSecret: '' });
    assertHasError(lg, 'jwt-key', 'missing setting');
    assertHasError(lg, 'pubjwk-url', 'missing setting');
    assertHasError(errorsWith({ provider: 'login.gov', jwtKey: 'k', jwtKeyFile: '/k', pubjwkUrl: 'https://x/certs', insecureOidcSkipNonce: true }), 'insecure-oidc-skip-nonce', 'nonce');
    assertHasError(errorsWith({ provider: 'google', googleGroups: ['g@x.io'] }), 'google-service-account-json', '--google-group');
    assertHasError(errorsWith({ provider: 'gitlab', oidcIssuerUrl: 'https://gitlab.com', gitlabProjects: ['g/p=25'] }), 'gitlab-project', '10, 20, 30 or 40');
    assertHasError(errorsWith({ provider: 'github', validateUrl: 'api.github.com' }), 'validate-url', 'absolute');
  });
});
