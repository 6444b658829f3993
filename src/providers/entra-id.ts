// entra-id: the generic OIDC provider against Microsoft Entra ID. When a user is in more groups
// than fit in a token, Entra leaves them out and marks the overage in `_claim_names`; the groups are
// then read from Microsoft Graph (transitiveMemberOf, all pages). --entra-id-allowed-tenant limits
// multi-tenant apps to the listed tenants (the token's `tid`, else the tenant in its issuer).

import type { ProviderConfig } from './config.js';
import { createApiClient, stringAt } from './http.js';
import type { OidcExtension } from './oidc.js';
import { unauthorized } from './oauth2.js';
import { ProviderError } from './provider.js';

const GRAPH_ME = 'https://graph.microsoft.com/v1.0/me';
const MAX_PAGES = 100;

export function entraTenant(claims: Record<string, unknown>): string | undefined {
  const tid = stringAt(claims, ['tid']);
  if (tid) return tid;
  const iss = stringAt(claims, ['iss']);
  return iss ? /^https:\/\/login\.microsoftonline\.com\/([A-Za-z0-9-]+)\/v2\.0$/.exec(iss)?.[1] : undefined;
}

export function hasGroupOverage(claims: Record<string, unknown>): boolean {
  const names = claims._claim_names;
  return names !== null && typeof names === 'object' && !Array.isArray(names) && Object.hasOwn(names, 'groups');
}

export function entraIdExtension(c: ProviderConfig): OidcExtension {
  const tenants = (c.entraIdAllowedTenants ?? []).map((t) => t.trim()).filter(Boolean);
  const graphMe = (c.apiBaseUrls?.microsoftGraph ?? GRAPH_ME).replace(/\/+$/, '');
  return {
    kind: 'entra-id',
    displayName: 'Microsoft Entra ID',
    async enrich(session, ctx) {
      if (tenants.length > 0) {
        const tenant = entraTenant(ctx.claims);
        if (!tenant || !tenants.includes(tenant)) throw unauthorized([`Entra tenant ${tenant ?? '(none)'} is not in --entra-id-allowed-tenant`]);
      }
      if (!hasGroupOverage(ctx.claims)) return;
      const api = createApiClient({ name: 'Microsoft Graph', timeoutMs: ctx.timeoutMs, fetch: ctx.fetch });
      const origin = new URL(graphMe).origin;
      let next: string | undefined = `${graphMe}/transitiveMemberOf?$select=id&$top=100`;
      for (let page = 0; next && page < MAX_PAGES; page++) {
        const body = await api.getJson(next, { Authorization: `Bearer ${ctx.accessToken}`, ConsistencyLevel: 'eventual' });
        const value = (body as { value?: unknown }).value;
        if (!Array.isArray(value)) throw new ProviderError('idp_error', 'Microsoft Graph transitiveMemberOf did not answer with a list', { fatal: false });
        for (const entry of value) {
          const id = stringAt(entry, ['id']);
          if (id) session.groups.push(id);
        }
        next = stringAt(body, ['@odata.nextLink']);
        // The access token goes with every page, so pages must stay on Graph.
        if (next && new URL(next).origin !== origin) next = undefined;
      }
    },
  };
}
