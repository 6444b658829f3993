// bitbucket: OAuth2 with the Bitbucket Cloud 2.0 API. The email is the primary address from
// --validate-url (/2.0/user/emails); --bitbucket-team requires membership of that workspace and
// --bitbucket-repository contributor access to owner/repository.

import type { ProviderConfig } from './config.js';
import { stringAt } from './http.js';
import { bearer, OAuth2Provider, orDefault, unauthorized, type Identity, type OAuth2Options, type TokenSet } from './oauth2.js';

export class BitbucketProvider extends OAuth2Provider {
  constructor(opts: OAuth2Options, readonly validateUrl: string, readonly team: string, readonly repository: string) {
    super(opts);
  }

  protected override endpoints(): Array<[string, string | undefined]> {
    return [['validate URL', this.validateUrl]];
  }

  #values(body: unknown): unknown[] {
    const v = (body as { values?: unknown } | null)?.values;
    return Array.isArray(v) ? v : [];
  }

  protected async identify(tokens: TokenSet): Promise<Identity> {
    const auth = bearer(tokens.accessToken);
    const origin = new URL(this.validateUrl).origin;
    const reasons: string[] = [];
    if (this.team) {
      const u = new URL('/2.0/user/permissions/workspaces', origin);
      u.searchParams.set('q', `workspace.slug="${this.team}"`);
      const found = this.#values(await this.api.getJson(u, auth)).some((p) => stringAt(p, ['workspace', 'slug']) === this.team);
      if (!found) reasons.push(`user is not a member of Bitbucket workspace ${this.team}`);
    }
    if (this.repository) {
      const owner = this.repository.split('/')[0] ?? '';
      const u = new URL(`/2.0/repositories/${encodeURIComponent(owner)}`, origin);
      u.searchParams.set('role', 'contributor');
      u.searchParams.set('q', `full_name="${this.repository}"`);
      const found = this.#values(await this.api.getJson(u, auth)).some((r) => stringAt(r, ['full_name']) === this.repository);
      if (!found) reasons.push(`user is not a contributor of Bitbucket repository ${this.repository}`);
    }
    if (reasons.length > 0) throw unauthorized(reasons);
    const emails = this.#values(await this.api.getJson(this.validateUrl, auth));
    const primary = emails.find((e) => (e as { is_primary?: unknown }).is_primary === true && (e as { is_confirmed?: unknown }).is_confirmed !== false);
    return { user: '', email: stringAt(primary, ['email']) ?? '', groups: [] };
  }
}

export function createBitbucketProvider(c: ProviderConfig, base: Omit<OAuth2Options, 'kind' | 'displayName' | 'loginUrl' | 'redeemUrl' | 'scope'>): BitbucketProvider {
  const team = c.bitbucketTeam?.trim() ?? '';
  const repository = c.bitbucketRepository?.trim() ?? '';
  let scope = orDefault(c.scope, 'email');
  if (team && !scope.includes('team')) scope += ' team';
  if (repository && !scope.includes('repository')) scope += ' repository';
  return new BitbucketProvider(
    {
      ...base,
      kind: 'bitbucket',
      displayName: orDefault(c.providerDisplayName, 'Bitbucket'),
      loginUrl: orDefault(c.loginUrl, 'https://bitbucket.org/site/oauth2/authorize'),
      redeemUrl: orDefault(c.redeemUrl, 'https://bitbucket.org/site/oauth2/access_token'),
      scope,
    },
    orDefault(c.validateUrl, 'https://api.bitbucket.org/2.0/user/emails'),
    team,
    repository,
  );
}
