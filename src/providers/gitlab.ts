// gitlab: the generic OIDC provider against a GitLab instance (--oidc-issuer-url, e.g.
// https://gitlab.com). The userinfo endpoint gives the nickname (the session's user), the email,
// which must be verified, and the groups. --gitlab-project group/project[=level] checks the user's
// access level through the REST API (/api/v4/projects/:id) and adds `project:<group/project>`.

import type { ProviderConfig } from './config.js';
import { createApiClient, pathValue, stringAt, stringsAt } from './http.js';
import type { OidcExtension } from './oidc.js';
import { ProviderError } from './provider.js';

export interface GitLabProject {
  name: string;
  accessLevel: number;
}

const ACCESS_LEVELS = new Set([10, 20, 30, 40]);
const DEFAULT_ACCESS_LEVEL = 20;

/** Parses `group/project[=level]`; undefined when the level is not one of 10, 20, 30, 40. */
export function parseGitLabProject(entry: string): GitLabProject | undefined {
  const eq = entry.indexOf('=');
  if (eq === -1) return entry.trim() ? { name: entry.trim(), accessLevel: DEFAULT_ACCESS_LEVEL } : undefined;
  const name = entry.slice(0, eq).trim();
  const level = entry.slice(eq + 1).trim();
  if (!name || !/^\d+$/.test(level) || !ACCESS_LEVELS.has(Number(level))) return undefined;
  return { name, accessLevel: Number(level) };
}

export function gitlabScope(c: ProviderConfig): string {
  const scope = c.scope?.trim() || 'openid email';
  return (c.gitlabProjects ?? []).length > 0 && !scope.split(' ').includes('read_api') ? `${scope} read_api` : scope;
}

/** The access level the project's permissions grant: the project's own, else the group's. */
export function projectAccessLevel(project: unknown): number | undefined {
  const own = pathValue(project, ['permissions', 'project_access', 'access_level']);
  const group = pathValue(project, ['permissions', 'group_access', 'access_level']);
  const level = typeof own === 'number' ? own : typeof group === 'number' ? group : undefined;
  return level;
}

export function gitlabExtension(c: ProviderConfig): OidcExtension {
  const projects: GitLabProject[] = [];
  for (const p of c.gitlabProjects ?? []) {
    const parsed = parseGitLabProject(p);
    if (!parsed) throw new ProviderError('config', `--gitlab-project ${JSON.stringify(p)} must be group/project or group/project=10|20|30|40`);
    projects.push(parsed);
  }
  const apiBase = c.apiBaseUrls?.gitlabApi ?? (c.oidcIssuerUrl ? new URL(c.oidcIssuerUrl).origin : '');
  const allowUnverified = c.insecureOidcAllowUnverifiedEmail === true;
  return {
    kind: 'gitlab',
    displayName: 'GitLab',
    userIsNotSub: true,
    allowedGroups: [...(c.allowedGroups ?? []), ...(c.gitlabGroups ?? []), ...projects.map((p) => `project:${p.name}`)],
    async enrich(session, ctx) {
      const info = await ctx.userinfo();
      if (!allowUnverified && info.email_verified !== true) {
        throw new ProviderError('email_unverified', `the email address of GitLab user ${session.user} is not verified`);
      }
      session.user = stringAt(info, ['nickname']) ?? session.user;
      session.email = stringAt(info, ['email']) ?? session.email;
      const groups = stringsAt(info, ['groups']);
      if (groups.length > 0) session.groups = groups;
      if (projects.length === 0) return;
      const api = createApiClient({ name: 'GitLab', timeoutMs: ctx.timeoutMs, fetch: ctx.fetch });
      for (const p of projects) {
        const res = await api.call(new URL(`/api/v4/projects/${encodeURIComponent(p.name)}`, apiBase), {
          headers: { Authorization: `Bearer ${ctx.accessToken}`, Accept: 'application/json' },
          // Unknown or invisible projects answer 404 (403 for some instances): simply not a member.
          accept: [403, 404],
        });
        if (res.status !== 200 || pathValue(res.json, ['archived']) === true) continue;
        const level = projectAccessLevel(res.json);
        if (level !== undefined && level >= p.accessLevel) session.groups.push(`project:${p.name}`);
      }
    },
  };
}
