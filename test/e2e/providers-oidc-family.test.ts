// The OpenID Connect family through the proxy against the real development OpenID Provider, set up
// to emit each provider's claim shapes: Keycloak's roles in a JWT access token, Entra's group
// overage marker (groups then read from a fake Microsoft Graph), GitLab's userinfo groups with its
// projects API, cidaas' group objects and ADFS' upn.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { listen } from '../../src/http/server.js';
import { createLog } from '../../src/log.js';
import { createProvider, type ProviderConfig } from '../../src/providers/index.js';
import { startEchoUpstream } from '../support/echo-upstream.js';
import { startFakeApi, type FakeApi } from '../support/fake-apis/server.js';
import { createClient } from '../support/http-client.js';
import { startTestIdp, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type DevUser, type TestIdpOverrides } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { signIn } from '../support/http-client.js';

interface Setup {
  users: Record<string, DevUser>;
  idp?: Partial<TestIdpOverrides>;
  args: string[];
  apiBaseUrls?: ProviderConfig['apiBaseUrls'];
}

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function setUp(o: Setup) {
  const idp = await startTestIdp({ users: o.users, ...o.idp });
  const echo = await startEchoUpstream();
  const port = await freePort();
  const loaded = loadConfig([
    `--http-address=127.0.0.1:${port}`, `--oidc-issuer-url=${idp.issuer}`, `--client-id=${TEST_CLIENT_ID}`, `--client-secret=${TEST_CLIENT_SECRET}`,
    `--cookie-secret=${TEST_COOKIE_SECRET}`, '--cookie-secure=false', '--email-domain=*', `--upstream=${echo.url}`, ...o.args,
  ], {});
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const logs: string[] = [];
  const destination = new Writable({ write(chunk, _e, done) { logs.push(chunk.toString()); done(); } });
  const config = loaded.config;
  const log = createLog({ standardLogging: true, authLogging: true, requestLogging: false, destination });
  const provider = createProvider({ ...config, ...(o.apiBaseUrls ? { apiBaseUrls: o.apiBaseUrls } : {}) });
  const app = createApp(config, { log, version: 'test', provider });
  await app.init();
  const server = await listen({ host: '127.0.0.1', port }, { request: app.handleRequest, upgrade: app.handleUpgrade });
  closers.push(async () => { await server.close(1000); await app.close(); await echo.close(); await idp.close(); });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    logs,
    /** Signs `user` in and fetches /page; the status of the page and what the upstream saw. */
    async visit(user: string) {
      const client = createClient();
      const { response } = await signIn(client, { startUrl: `${url}/oauth2/start?rd=%2Fpage`, username: user, password: 'password' });
      if (response.status !== 302) return { status: response.status, body: response.body, headers: {} as Record<string, string> };
      const r = await client.request(`${url}/page`);
      return { status: r.status, body: r.body, headers: (JSON.parse(r.body) as { headers: Record<string, string> }).headers };
    },
  };
}

describe('keycloak-oidc', () => {
  it('turns realm and client roles from the access token into role: groups and lets --allowed-role in', async () => {
    const roles: Record<string, Record<string, unknown>> = {
      alice: { realm_access: { roles: ['admin', 'offline_access'] }, resource_access: { [TEST_CLIENT_ID]: { roles: ['viewer'] }, account: { roles: ['manage-account'] } } },
      bob: { realm_access: { roles: ['user'] } },
    };
    const s = await setUp({
      users: { alice: { email: 'alice@example.com', email_verified: true, groups: ['/staff'] }, bob: { email: 'bob@example.com', email_verified: true } },
      idp: { accessTokenClaims: (u) => roles[u] ?? {} },
      args: ['--provider=keycloak-oidc', '--allowed-role=admin', '--allowed-role=other-client:editor'],
    });
    const alice = await s.visit('alice');
    assert.equal(alice.status, 200, alice.body);
    assert.equal(alice.headers['x-forwarded-groups'], `/staff,role:admin,role:offline_access,role:${TEST_CLIENT_ID}:viewer,role:account:manage-account`);
    const bob = await s.visit('bob');
    assert.equal(bob.status, 403);
    assert.match(s.logs.join(''), /none of --allowed-group/);
  });
});

describe('entra-id', () => {
  it('reads overage groups from Microsoft Graph, all pages, and checks the tenant', async () => {
    const graph: FakeApi = await startFakeApi();
    closers.push(() => graph.close());
    graph.route('GET', '/v1.0/me/transitiveMemberOf', (req) => {
      if (!/^Bearer /.test(String(req.headers.authorization)) || req.headers.consistencylevel !== 'eventual') return { status: 401, body: { error: { code: 'InvalidAuthenticationToken' } } };
      if (req.query.get('$skiptoken') === 'p2') return { body: { value: [{ '@odata.type': '#microsoft.graph.group', id: 'g-ops' }] } };
      return { body: { '@odata.nextLink': `${graph.url}/v1.0/me/transitiveMemberOf?$select=id&$top=100&$skiptoken=p2`, value: [{ '@odata.type': '#microsoft.graph.group', id: 'g-dev' }] } };
    });
    const overage = { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.windows.net/t1/users/alice/getMemberObjects' } } };
    const s = await setUp({
      users: {
        alice: { email: 'alice@example.com', email_verified: true, tid: 'tenant-1', ...overage },
        bob: { email: 'bob@example.com', email_verified: true, tid: 'tenant-2', groups: ['g-ops'] },
      },
      args: ['--provider=entra-id', '--allowed-group=g-ops', '--entra-id-allowed-tenant=tenant-1'],
      apiBaseUrls: { microsoftGraph: `${graph.url}/v1.0/me` },
    });
    const alice = await s.visit('alice');
    assert.equal(alice.status, 200, alice.body);
    assert.equal(alice.headers['x-forwarded-groups'], 'g-dev,g-ops');
    const bob = await s.visit('bob');
    assert.equal(bob.status, 403);
    assert.match(s.logs.join(''), /tenant-2 is not in --entra-id-allowed-tenant/);
  });
});

describe('gitlab', () => {
  it('takes groups from userinfo, checks project access levels and requires a verified email', async () => {
    const gitlab: FakeApi = await startFakeApi();
    closers.push(() => gitlab.close());
    gitlab.route('GET', /^\/api\/v4\/projects\/(.+)$/, (req, m) => {
      if (!/^Bearer /.test(String(req.headers.authorization))) return { status: 401, body: { message: '401 Unauthorized' } };
      const name = decodeURIComponent(m[1] ?? '');
      if (name === 'acme/site') return { body: { id: 7, path_with_namespace: name, archived: false, permissions: { project_access: { access_level: 30, notification_level: 3 }, group_access: null } } };
      if (name === 'acme/old') return { body: { id: 8, path_with_namespace: name, archived: true, permissions: { project_access: { access_level: 50 }, group_access: null } } };
      return { status: 404, body: { message: '404 Project Not Found' } };
    });
    const s = await setUp({
      users: {
        alice: { email: 'alice@example.com', email_verified: true, groups: ['acme'] },
        bob: { email: 'bob@example.com', email_verified: false, groups: ['acme'] },
      },
      args: ['--provider=gitlab', '--gitlab-group=nobody', '--gitlab-project=acme/site=30', '--gitlab-project=acme/old', '--gitlab-project=acme/hidden'],
      apiBaseUrls: { gitlabApi: gitlab.url },
    });
    const alice = await s.visit('alice');
    assert.equal(alice.status, 200, alice.body);
    assert.equal(alice.headers['x-forwarded-groups'], 'acme,project:acme/site');
    assert.equal((await s.visit('bob')).status, 403);
  });
});

describe('cidaas and adfs', () => {
  it('cidaas: group objects become <groupId>:<role>, roles become cidaas:<role>', async () => {
    const s = await setUp({
      users: { alice: { email: 'alice@example.com', email_verified: true, cidaas_groups: [{ groupId: 'ops', roles: ['member', 'admin'] }], roles: ['USER'] } },
      args: ['--provider=cidaas', '--oidc-groups-claim=cidaas_groups', '--allowed-group=ops:admin'],
    });
    const alice = await s.visit('alice');
    assert.equal(alice.status, 200, alice.body);
    assert.equal(alice.headers['x-forwarded-groups'], 'ops:member,ops:admin,cidaas:USER');
  });

  it('adfs: without an email claim, the upn is the email', async () => {
    const s = await setUp({ users: { alice: { upn: 'alice@corp.example' } }, args: ['--provider=adfs', '--email-domain=corp.example'] });
    const alice = await s.visit('alice');
    assert.equal(alice.status, 200, alice.body);
    assert.equal(alice.headers['x-forwarded-email'], 'alice@corp.example');
  });
});
