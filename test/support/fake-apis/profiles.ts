// The profile APIs of the smaller OAuth2 providers, in the shapes their documentation shows:
// Bitbucket (paged `values`, user emails, workspace permissions, repositories by role), DigitalOcean
// (/v2/account), Facebook (Graph /me?fields=), LinkedIn (emailAddress projection), Nextcloud (OCS
// envelope), SourceHut (GraphQL) and a legacy Keycloak-style userinfo.
import { requireUser, type FakeApi, type FakeRequest } from './server.js';

export interface ProfileUser {
  email?: string;
  groups?: string[];
  /** Bitbucket workspaces and repositories (full names) the user contributes to. */
  workspaces?: string[];
  repositories?: string[];
}

export function addProfileApis(api: FakeApi, users: Record<string, ProfileUser>): void {
  const me = (req: FakeRequest) => users[req.user ?? ''] ?? {};
  const guarded = (fn: (req: FakeRequest) => unknown) => (req: FakeRequest) => requireUser(req) ?? { body: fn(req) };
  const page = (values: unknown[]) => ({ pagelen: 10, size: values.length, page: 1, values });

  api.route('GET', '/2.0/user/emails', guarded((req) => page(me(req).email ? [{ type: 'email', email: me(req).email, is_primary: true, is_confirmed: true }, { type: 'email', email: 'other@example.org', is_primary: false, is_confirmed: true }] : [])));
  api.route('GET', '/2.0/user/permissions/workspaces', guarded((req) => {
    const slug = /^workspace\.slug="(.*)"$/.exec(req.query.get('q') ?? '')?.[1];
    return page((me(req).workspaces ?? []).filter((w) => !slug || w === slug).map((w) => ({ type: 'workspace_membership', permission: 'member', workspace: { type: 'workspace', slug: w, name: w.toUpperCase() } })));
  }));
  api.route('GET', /^\/2\.0\/repositories\/([^/]+)$/, (req, m) => requireUser(req) ?? (() => {
    if (req.query.get('role') !== 'contributor') return { status: 400, body: { type: 'error', error: { message: 'role required by this fake' } } };
    const name = /^full_name="(.*)"$/.exec(req.query.get('q') ?? '')?.[1];
    return { body: page((me(req).repositories ?? []).filter((r) => r.startsWith(`${m[1]}/`) && (!name || r === name)).map((r) => ({ type: 'repository', full_name: r }))) };
  })());
  api.route('GET', '/v2/account', guarded((req) => ({ account: { email: me(req).email ?? '', email_verified: true, uuid: 'u1', status: 'active' } })));
  api.route('GET', '/v2.5/me', guarded((req) => (req.query.get('fields') === 'name,email' ? { id: '1', name: req.user, ...(me(req).email ? { email: me(req).email } : {}) } : { id: '1', name: req.user })));
  api.route('GET', '/v2/emailAddress', guarded((req) => (req.query.get('q') === 'members' && req.headers['x-li-format'] === 'json'
    ? { elements: me(req).email ? [{ 'handle~': { emailAddress: me(req).email }, handle: 'urn:li:emailAddress:1' }] : [] }
    : { message: 'bad request' })));
  api.route('GET', '/ocs/v2.php/cloud/user', guarded((req) => ({ ocs: { meta: { status: 'ok', statuscode: 200 }, data: { id: req.user, email: me(req).email ?? null, groups: me(req).groups ?? [] } } })));
  api.route('POST', '/query', guarded((req) => (/\{ me \{ username, email \} \}/.test(req.body) ? { data: { me: { username: req.user, email: me(req).email ?? '' } } } : { errors: [{ message: 'bad query' }] })));
  api.route('GET', '/userinfo', guarded((req) => ({ email: me(req).email, groups: me(req).groups ?? [], preferred_username: req.user })));
}
