// cidaas: the generic OIDC provider; groups come from the userinfo endpoint, where the groups claim
// is a list of {groupId, roles} (each role becomes `<groupId>:<role>`) and `roles` holds the user's
// own roles (`cidaas:<role>`).

import type { ProviderConfig } from './config.js';
import type { OidcExtension } from './oidc.js';

export function cidaasGroups(info: Record<string, unknown>, groupsClaim: string): string[] {
  const out: string[] = [];
  const groups = info[groupsClaim];
  if (Array.isArray(groups)) {
    for (const g of groups) {
      const id = (g as { groupId?: unknown } | null)?.groupId;
      const roles = (g as { roles?: unknown } | null)?.roles;
      if (typeof id !== 'string' || !Array.isArray(roles)) continue;
      for (const r of roles) if (typeof r === 'string' && r !== '') out.push(`${id}:${r}`);
    }
  }
  if (Array.isArray(info.roles)) for (const r of info.roles) if (typeof r === 'string' && r !== '') out.push(`cidaas:${r}`);
  return out;
}

export function cidaasExtension(c: ProviderConfig): OidcExtension {
  const groupsClaim = c.oidcGroupsClaim?.trim() || 'groups';
  return {
    kind: 'cidaas',
    displayName: 'CIDAAS',
    defaultScope: 'openid email profile roles groups',
    async enrich(session, ctx) {
      session.groups = cidaasGroups(await ctx.userinfo(), groupsClaim);
    },
  };
}
