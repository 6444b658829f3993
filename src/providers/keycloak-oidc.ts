// keycloak-oidc: the generic OIDC provider plus Keycloak's roles, read from the access token's
// `realm_access.roles` (as `role:<r>`) and `resource_access.<client>.roles` (as `role:<client>:<r>`).
// --allowed-role x lets in users holding role x (or client:role), alongside --allowed-group.

import type { ProviderConfig } from './config.js';
import { unverifiedJwtPayload } from './http.js';
import type { OidcExtension } from './oidc.js';
import { ProviderError } from './provider.js';

export function keycloakRoles(accessToken: Record<string, unknown>): string[] {
  const out: string[] = [];
  const realm = (accessToken.realm_access as { roles?: unknown } | undefined)?.roles;
  if (Array.isArray(realm)) for (const r of realm) if (typeof r === 'string' && r !== '') out.push(`role:${r}`);
  const resources = accessToken.resource_access;
  if (resources !== null && typeof resources === 'object' && !Array.isArray(resources)) {
    for (const [client, access] of Object.entries(resources)) {
      const roles = (access as { roles?: unknown } | null)?.roles;
      if (Array.isArray(roles)) for (const r of roles) if (typeof r === 'string' && r !== '') out.push(`role:${client}:${r}`);
    }
  }
  return out;
}

export function keycloakOidcExtension(c: ProviderConfig): OidcExtension {
  const roles = (c.allowedRoles ?? []).map((r) => r.trim()).filter(Boolean).map((r) => `role:${r}`);
  return {
    kind: 'keycloak-oidc',
    displayName: 'Keycloak OIDC',
    allowedGroups: [...(c.allowedGroups ?? []), ...roles],
    async enrich(session, ctx) {
      // The access token comes straight from the token endpoint over the same trusted connection
      // as the ID token, so its payload is read as it is, as oauth2-proxy does.
      const payload = unverifiedJwtPayload(ctx.accessToken);
      if (!payload) throw new ProviderError('idp_error', 'the Keycloak access token is not a JWT, so its roles cannot be read', { fatal: false });
      session.groups.push(...keycloakRoles(payload));
    },
  };
}
