// adfs: the generic OIDC provider; the email falls back to the `upn` claim, and with --resource the
// scopes are prefixed with the resource URL, as ADFS expects.

import type { ProviderConfig } from './config.js';
import type { OidcExtension } from './oidc.js';

export const ADFS_DEFAULT_SCOPE = 'openid email profile';

/** The scope to send: the configured or default one, prefixed with `<resource>/` when a resource is set. */
export function adfsScope(c: ProviderConfig): string {
  const scope = c.scope?.trim() || ADFS_DEFAULT_SCOPE;
  const resource = c.resource?.trim() ?? '';
  if (resource === '') return scope;
  const prefix = resource.endsWith('/') ? resource : `${resource}/`;
  return scope.startsWith(prefix) ? scope : prefix + scope;
}

export function adfsExtension(): OidcExtension {
  return { kind: 'adfs', displayName: 'ADFS', emailFallbackClaims: ['upn'] };
}
