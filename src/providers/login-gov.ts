// login.gov: OpenID Connect without discovery and without a client secret. The client proves
// itself with a JWT signed by --jwt-key / --jwt-key-file (private_key_jwt), ID tokens are checked
// against --pubjwk-url, the email must be verified, and acr_values defaults to LOA1.

import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';

import type { ProviderConfig } from './config.js';
import type { OidcExtension, OidcProviderOptions } from './oidc.js';
import { orDefault } from './oauth2.js';
import { ProviderError } from './provider.js';

export const LOGIN_GOV_DEFAULTS = {
  loginUrl: 'https://secure.login.gov/openid_connect/authorize',
  redeemUrl: 'https://secure.login.gov/api/openid_connect/token',
  profileUrl: 'https://secure.login.gov/api/openid_connect/userinfo',
  scope: 'email openid',
  acrValues: 'http://idmanagement.gov/ns/assurance/loa/1',
};

function privateKeyPem(c: ProviderConfig): string {
  if (c.jwtKey) return c.jwtKey;
  if (c.jwtKeyFile) {
    try {
      return readFileSync(c.jwtKeyFile, 'utf8');
    } catch {
      throw new ProviderError('config', `--jwt-key-file ${c.jwtKeyFile} cannot be read`);
    }
  }
  throw new ProviderError('config', 'login.gov needs --jwt-key or --jwt-key-file');
}

/** OIDC options for login.gov: its endpoints (unless overridden), no discovery, the pubjwk URL as JWKS. */
export function loginGovOptions(c: ProviderConfig, base: OidcProviderOptions): OidcProviderOptions {
  const loginUrl = orDefault(c.loginUrl, LOGIN_GOV_DEFAULTS.loginUrl);
  return {
    ...base,
    // login.gov's issuer is the origin of its endpoints with a trailing slash.
    oidcIssuerUrl: orDefault(c.oidcIssuerUrl, `${new URL(loginUrl).origin}/`),
    skipOidcDiscovery: true,
    loginUrl,
    redeemUrl: orDefault(c.redeemUrl, LOGIN_GOV_DEFAULTS.redeemUrl),
    profileUrl: orDefault(c.profileUrl, LOGIN_GOV_DEFAULTS.profileUrl),
    oidcJwksUrl: orDefault(c.pubjwkUrl, c.oidcJwksUrl ?? ''),
    scope: orDefault(c.scope, LOGIN_GOV_DEFAULTS.scope),
    acrValues: orDefault(c.acrValues, LOGIN_GOV_DEFAULTS.acrValues),
    clientSecret: '',
    insecureOidcSkipNonce: false,
  };
}

export function loginGovExtension(c: ProviderConfig): OidcExtension {
  return {
    kind: 'login.gov',
    displayName: 'login.gov',
    requireVerifiedEmail: true,
    async clientAuth() {
      let key: Awaited<ReturnType<typeof importPKCS8>>;
      try {
        // Accepts PKCS#1 ("RSA PRIVATE KEY") as well as PKCS#8 PEM.
        const pkcs8 = createPrivateKey(privateKeyPem(c)).export({ type: 'pkcs8', format: 'pem' }).toString();
        key = await importPKCS8(pkcs8, 'RS256');
      } catch (err) {
        if (err instanceof ProviderError) throw err;
        throw new ProviderError('config', `--jwt-key${c.jwtKeyFile ? '-file' : ''} is not a valid RSA private key in PEM form`);
      }
      // login.gov wants the token endpoint as the assertion's audience.
      return oidc.PrivateKeyJwt(key, {
        [oidc.modifyAssertion]: (_header, payload) => {
          payload.aud = orDefault(c.redeemUrl, LOGIN_GOV_DEFAULTS.redeemUrl);
        },
      });
    },
  };
}
