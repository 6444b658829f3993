// GitHub's REST API as its documentation shows it: /user, /user/emails, /user/orgs and /user/teams
// (paged, with RFC 8288 Link headers), /repos/{owner}/{repo} with the caller's permissions, the
// collaborators check (204 or 404), and the rate-limit answer (403 with x-ratelimit-remaining: 0).
import { requireUser, startFakeApi, type FakeApi, type FakeRequest } from './server.js';

export interface GitHubUser {
  emails: Array<{ email: string; primary: boolean; verified: boolean }>;
  orgs?: string[];
  /** [org, team slug] */
  teams?: Array<[string, string]>;
  /** full name → the user's access */
  repos?: Record<string, { private: boolean; push: boolean; pull: boolean }>;
  collaboratorOf?: string[];
}

export interface FakeGitHub extends FakeApi {
  users: Record<string, GitHubUser>;
  /** Prefix of the REST API, '' for api.github.com style, '/api/v3' for Enterprise. */
  apiPrefix: string;
  rateLimited: boolean;
}

export const GITHUB_CLIENT = { id: 'gh-client', secret: 'gh-secret' };

export async function startFakeGitHub(opts: { apiPrefix?: string; pageSize?: number } = {}): Promise<FakeGitHub> {
  const api = (await startFakeApi()) as FakeGitHub;
  api.users = {};
  api.apiPrefix = opts.apiPrefix ?? '/api/v3';
  api.rateLimited = false;
  const pageSize = opts.pageSize ?? 2;
  api.oauth({ authorizePath: '/login/oauth/authorize', tokenPath: '/login/oauth/access_token', clientId: GITHUB_CLIENT.id, clientSecret: GITHUB_CLIENT.secret });

  const p = api.apiPrefix;
  const guard = (req: FakeRequest) => {
    if (api.rateLimited) {
      return { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600) }, body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting' } };
    }
    return requireUser(req);
  };
  const paged = (req: FakeRequest, items: unknown[]) => {
    const perPage = Math.min(Number(req.query.get('per_page') ?? '30'), pageSize);
    const page = Number(req.query.get('page') ?? '1');
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => `<${api.url}${req.path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
    const links = [page < last ? link(page + 1, 'next') : '', link(last, 'last'), link(1, 'first')].filter(Boolean);
    return { headers: { Link: links.join(', ') }, body: slice };
  };
  const me = (req: FakeRequest) => api.users[req.user ?? ''];

  api.route('GET', `${p}/user`, (req) => guard(req) ?? { body: { login: req.user, id: 1, type: 'User', email: null } });
  api.route('GET', `${p}/user/emails`, (req) => guard(req) ?? { body: me(req)?.emails.map((e) => ({ ...e, visibility: 'private' })) ?? [] });
  api.route('GET', `${p}/user/orgs`, (req) => guard(req) ?? paged(req, (me(req)?.orgs ?? []).map((login, i) => ({ login, id: i + 1, url: `${api.url}${p}/orgs/${login}` }))));
  api.route('GET', `${p}/user/teams`, (req) => guard(req) ?? paged(req, (me(req)?.teams ?? []).map(([org, slug], i) => ({ id: i + 1, name: slug.toUpperCase(), slug, organization: { login: org, id: 100 + i } }))));
  api.route('GET', new RegExp(`^${p}/repos/([^/]+/[^/]+)/collaborators/([^/]+)$`), (req, m) => {
    const denied = guard(req);
    if (denied) return denied;
    return api.users[decodeURIComponent(m[2] ?? '')]?.collaboratorOf?.includes(m[1] ?? '') ? { status: 204 } : { status: 404, body: { message: 'Not Found' } };
  });
  api.route('GET', new RegExp(`^${p}/repos/([^/]+/[^/]+)$`), (req, m) => {
    const denied = guard(req);
    if (denied) return denied;
    const repo = me(req)?.repos?.[m[1] ?? ''];
    if (!repo) return { status: 404, body: { message: 'Not Found' } };
    return { body: { full_name: m[1], private: repo.private, permissions: { admin: false, push: repo.push, pull: repo.pull } } };
  });
  return api;
}
