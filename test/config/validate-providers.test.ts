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

describe('provider TLS, signing algorithm and PKCE alias validation', () => {
  it('names --provider-ca-file for an unreadable file and for a file without a usable certificate', async () => {
    const { tmpFile } = await import('./support.js');
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', providerCaFiles: ['/nonexistent/ca.pem'] }), 'provider-ca-file', 'cannot be read');
    const notPem = tmpFile('not-a-ca.pem', 'hello\n');
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', providerCaFiles: [notPem] }), 'provider-ca-file', 'no PEM certificate');
    const broken = tmpFile('broken-ca.pem', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', providerCaFiles: [broken] }), 'provider-ca-file', 'cannot be parsed');
  });

  it('names --oidc-enabled-signing-alg for an algorithm that cannot sign an ID token here', () => {
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', oidcEnabledSigningAlgs: ['HS256'] }), 'oidc-enabled-signing-alg', 'HS256');
    assert.deepEqual(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', oidcEnabledSigningAlgs: ['RS256', 'ES256'] }), []);
  });

  it('checks --force-code-challenge-method like --code-challenge-method and warns that it is deprecated', async () => {
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', forceCodeChallengeMethod: 'S512' }), 'force-code-challenge-method', 'S256, plain or empty');
    const { configWarnings } = await import('../../src/config/validate.js');
    const { config } = loadOk([...VALID_ARGS, '--force-code-challenge-method=plain']);
    assert.ok(configWarnings(config).some((w) => w.startsWith('--force-code-challenge-method: deprecated')));
  });

  it('warns at start-up about --ssl-insecure-skip-verify', async () => {
    const { configWarnings } = await import('../../src/config/validate.js');
    const { config } = loadOk([...VALID_ARGS, '--ssl-insecure-skip-verify']);
    assert.ok(configWarnings(config).some((w) => w.startsWith('--ssl-insecure-skip-verify:')));
  });
});

describe('ID token rule validation', () => {
  it('names --oidc-public-key-file for an unreadable file or one without a public key', async () => {
    const { tmpFile } = await import('./support.js');
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', oidcPublicKeyFiles: ['/nonexistent/key.pem'] }), 'oidc-public-key-file', 'cannot be read');
    assertHasError(errorsWith({ provider: 'oidc', oidcIssuerUrl: 'https://idp.example', oidcPublicKeyFiles: [tmpFile('no-key.pem', 'hello\n')] }), 'oidc-public-key-file', 'no PEM public key');
  });

  it('takes --oidc-public-key-file in place of --oidc-jwks-url without discovery', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { tmpFile } = await import('./support.js');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const manual = { provider: 'oidc', oidcIssuerUrl: 'https://idp.example', skipOidcDiscovery: true, loginUrl: 'https://idp.example/auth', redeemUrl: 'https://idp.example/token' };
    assertHasError(errorsWith(manual), 'oidc-jwks-url', '--oidc-public-key-file');
    assert.deepEqual(errorsWith({ ...manual, oidcPublicKeyFiles: [tmpFile('idp-key.pem', pem)] }), []);
  });

  it('warns at start-up about --insecure-oidc-skip-issuer-verification', async () => {
    const { configWarnings } = await import('../../src/config/validate.js');
    const { config } = loadOk([...VALID_ARGS, '--insecure-oidc-skip-issuer-verification', '--oidc-extra-audience=api', '--oidc-audience-claim=aud', '--oidc-audience-claim=client_id']);
    assert.deepEqual(config.oidcAudienceClaims, ['aud', 'client_id']);
    assert.ok(configWarnings(config).some((w) => w.startsWith('--insecure-oidc-skip-issuer-verification:')));
  });
});
