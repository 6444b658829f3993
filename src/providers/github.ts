// GitHub (and GitHub Enterprise, Gitea, Forgejo): OAuth2 with the REST API. The API base comes
// from --validate-url (https://api.github.com/ by default; an Enterprise URL ending in /api/v3 keeps
// that prefix). Groups are organisation logins and `org:team` pairs; the user is the login; the
// email is the primary verified address. GitHub issues no refresh tokens.

import { decideGitHub, needsCollaborator, needsRepoAccess, type GitHubRules } from '../authz/github.js';
import type { ProviderConfig } from './config.js';
import { nextLink, stringAt } from './http.js';
import { OAuth2Provider, orDefault, unauthorized, type Identity, type OAuth2Options, type TokenSet } from './oauth2.js';
import { ProviderError } from './provider.js';

const MAX_PAGES = 50;

export class GitHubProvider extends OAuth2Provider {
  readonly #rules: GitHubRules;
  readonly #apiBase: URL;
  readonly #token: string;

  constructor(opts: OAuth2Options, validateUrl: string, rules: GitHubRules, token: string) {
    super(opts);
    this.#rules = rules;
    this.#token = token;
    const v = new URL(validateUrl);
    const versioned = /^\/api\/v\d+/.exec(v.pathname)?.[0];
    this.#apiBase = new URL(`${v.origin}${(versioned ?? v.pathname).replace(/\/+$/, '')}/`);
  }

  protected override endpoints(): Array<[string, string | undefined]> {
    return [['API URL', this.#apiBase.href]];
  }

  #url(path: string, query: Record<string, string> = {}): URL {
    const u = new URL(path.replace(/^\/+/, ''), this.#apiBase);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u;
  }

  #headers(token: string): Record<string, string> {
    return { Authorization: `token ${token}`, Accept: 'application/vnd.github.v3+json' };
  }

  /** Every page of a list: Link rel="next" when GitHub sends it, page numbers otherwise (Gitea). */
  async #list(path: string, token: string): Promise<unknown[]> {
    const out: unknown[] = [];
    let url: URL | undefined = this.#url(path, { per_page: '100', page: '1' });
    for (let page = 1; url && page <= MAX_PAGES; page++) {
      const res = await this.api.call(url, { headers: this.#headers(token) });
      if (!Array.isArray(res.json)) throw new ProviderError('idp_error', `${this.displayName} ${path} did not answer with a list`, { fatal: false });
      out.push(...res.json);
      const link = res.headers.get('link');
      if (link !== null) {
        const next = nextLink(link);
        url = next ? new URL(next, url) : undefined;
        // Never follow a link off the API's origin: the token would go with it.
        if (url && url.origin !== this.#apiBase.origin) url = undefined;
      } else {
        url = res.json.length === 0 ? undefined : this.#url(path, { per_page: '100', page: String(page + 1) });
      }
    }
    return out;
  }

  async #groups(token: string): Promise<string[]> {
    const groups: string[] = [];
    for (const org of await this.#list('/user/orgs', token)) {
      const name = stringAt(org, ['login']) ?? stringAt(org, ['name']);
      if (name) groups.push(name);
    }
    for (const team of await this.#list('/user/teams', token)) {
      const login = stringAt(team, ['organization', 'login']);
      const org = login ?? stringAt(team, ['organization', 'name']);
      const slug = login ? stringAt(team, ['slug']) : stringAt(team, ['name']);
      if (org && slug) groups.push(`${org}:${slug}`);
    }
    return groups;
  }

  async #repoAccess(token: string): Promise<boolean> {
    // A repository the user cannot see answers 404: no access, not an outage.
    const res = await this.api.call(this.#url(`/repos/${this.#rules.repo}`), { headers: this.#headers(token), accept: [404] });
    if (res.status === 404) return false;
    const repo = res.json;
    const push = (repo as { permissions?: { push?: unknown } }).permissions?.push === true;
    const pull = (repo as { permissions?: { pull?: unknown } }).permissions?.pull === true;
    return push || ((repo as { private?: unknown }).private === true && pull);
  }

  async #collaborator(login: string): Promise<boolean> {
    const res = await this.api.call(this.#url(`/repos/${this.#rules.repo}/collaborators/${encodeURIComponent(login)}`), {
      headers: this.#headers(this.#token),
      accept: [404],
    });
    return res.status === 204;
  }

  protected async identify(tokens: TokenSet): Promise<Identity> {
    const token = tokens.accessToken;
    const user = await this.api.getJson(this.#url('/user'), this.#headers(token));
    const login = stringAt(user, ['login']);
    if (!login) throw new ProviderError('idp_error', `${this.displayName} /user did not name the user`, { fatal: false });
    const groups = await this.#groups(token);
    const listed = this.#rules.users.includes(login);
    const verdict = decideGitHub(this.#rules, {
      login,
      groups,
      repoAccess: !listed && needsRepoAccess(this.#rules) ? await this.#repoAccess(token) : undefined,
      collaborator: !listed && needsCollaborator(this.#rules) ? await this.#collaborator(login) : undefined,
    });
    if (!verdict.allow) throw unauthorized(verdict.reasons);

    let email = '';
    const emails = await this.api.getJson(this.#url('/user/emails'), this.#headers(token));
    if (Array.isArray(emails)) {
      const primary = emails.find((e) => (e as { primary?: unknown }).primary === true && (e as { verified?: unknown }).verified === true);
      email = stringAt(primary, ['email']) ?? '';
    }
    return { user: login, email, groups };
  }
}

export function createGitHubProvider(c: ProviderConfig, base: Omit<OAuth2Options, 'kind' | 'displayName' | 'loginUrl' | 'redeemUrl' | 'scope'>): GitHubProvider {
  return new GitHubProvider(
    {
      ...base,
      kind: 'github',
      displayName: orDefault(c.providerDisplayName, 'GitHub'),
      loginUrl: orDefault(c.loginUrl, 'https://github.com/login/oauth/authorize'),
      redeemUrl: orDefault(c.redeemUrl, 'https://github.com/login/oauth/access_token'),
      scope: orDefault(c.scope, 'user:email read:org'),
      secrets: [c.githubToken ?? ''],
    },
    orDefault(c.validateUrl, 'https://api.github.com/'),
    {
      org: c.githubOrg?.trim() ?? '',
      team: c.githubTeam?.trim() ?? '',
      repo: c.githubRepo?.trim() ?? '',
      hasToken: (c.githubToken ?? '') !== '',
      users: (c.githubUsers ?? []).map((u) => u.trim()).filter(Boolean),
    },
    c.githubToken ?? '',
  );
}
