// The OAuth2 providers whose identity is one call to a profile API (DigitalOcean, Facebook,
// LinkedIn, Nextcloud, SourceHut, legacy keycloak): each module gives its default URLs and where
// the email, user and groups are in the answer; nothing else differs.

import type { ProviderConfig } from './config.js';
import { OAuth2Provider, orDefault, type Identity, type OAuth2Options, type TokenSet } from './oauth2.js';
import type { ProfileSpec } from './profile-spec.js';
import { digitalocean } from './digitalocean.js';
import { facebook } from './facebook.js';
import { linkedin } from './linkedin.js';
import { nextcloud } from './nextcloud.js';
import { sourcehut } from './sourcehut.js';
import { keycloak } from './keycloak.js';

type Base = Omit<OAuth2Options, 'kind' | 'displayName' | 'loginUrl' | 'redeemUrl' | 'scope'>;


class ProfileProvider extends OAuth2Provider {
  constructor(opts: OAuth2Options, readonly profileUrl: string, readonly spec: ProfileSpec) {
    super(opts);
  }

  protected override endpoints(): Array<[string, string | undefined]> {
    return [['profile URL', this.profileUrl]];
  }

  protected identify(tokens: TokenSet): Promise<Identity> {
    if (!this.profileUrl) return Promise.resolve({ user: '', email: '', groups: [] });
    return this.spec.read(this.api, new URL(this.profileUrl), tokens.accessToken);
  }
}

const SPECS: Record<string, ProfileSpec> = { digitalocean, facebook, linkedin, nextcloud, sourcehut, keycloak };

export const PROFILE_PROVIDERS: readonly string[] = Object.keys(SPECS);

export function createProfileProvider(kind: string, c: ProviderConfig, base: Base): OAuth2Provider {
  const spec = SPECS[kind];
  if (!spec) throw new Error(`no profile provider ${kind}`);
  const profileUrl = c.profileUrl?.trim() || spec.profileUrl || c.validateUrl?.trim() || '';
  const opts: OAuth2Options = {
    ...base,
    kind,
    displayName: orDefault(c.providerDisplayName, spec.displayName),
    loginUrl: orDefault(c.loginUrl, spec.loginUrl ?? ''),
    redeemUrl: orDefault(c.redeemUrl, spec.redeemUrl ?? ''),
    scope: orDefault(c.scope, spec.scope),
  };
  // The legacy keycloak provider's --keycloak-group lets users in alongside --allowed-group.
  if (kind === 'keycloak' && (c.keycloakGroups ?? []).length > 0) opts.allowedGroups = [...(c.allowedGroups ?? []), ...(c.keycloakGroups ?? [])];
  return new ProfileProvider(opts, profileUrl, spec);
}
