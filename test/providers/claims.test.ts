// The pure parts of the named providers: how each turns a provider's answer into groups.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adfsScope } from '../../src/providers/adfs.js';
import { cidaasGroups } from '../../src/providers/cidaas.js';
import { entraTenant, hasGroupOverage } from '../../src/providers/entra-id.js';
import { gitlabScope, parseGitLabProject, projectAccessLevel } from '../../src/providers/gitlab.js';
import { nextLink } from '../../src/providers/http.js';
import { keycloakRoles } from '../../src/providers/keycloak-oidc.js';

describe('provider claim shapes', () => {
  it('keycloak: realm and client roles', () => {
    assert.deepEqual(keycloakRoles({ realm_access: { roles: ['a'] }, resource_access: { app: { roles: ['b', 7] }, x: null } }), ['role:a', 'role:app:b']);
    assert.deepEqual(keycloakRoles({}), []);
  });

  it('gitlab: projects, access levels and scope', () => {
    assert.deepEqual(parseGitLabProject('g/p'), { name: 'g/p', accessLevel: 20 });
    assert.deepEqual(parseGitLabProject('g/sub/p=40'), { name: 'g/sub/p', accessLevel: 40 });
    for (const bad of ['g/p=25', 'g/p=', 'g/p=x', '=30']) assert.equal(parseGitLabProject(bad), undefined, bad);
    assert.equal(projectAccessLevel({ permissions: { project_access: null, group_access: { access_level: 30 } } }), 30);
    assert.equal(projectAccessLevel({ permissions: { project_access: { access_level: 10 }, group_access: { access_level: 50 } } }), 10);
    assert.equal(gitlabScope({ provider: 'gitlab', clientId: 'c', clientSecret: 's', gitlabProjects: ['g/p'] }), 'openid email read_api');
    assert.equal(gitlabScope({ provider: 'gitlab', clientId: 'c', clientSecret: 's', scope: 'openid read_api' , gitlabProjects: ['g/p'] }), 'openid read_api');
  });

  it('entra: tenant from tid or issuer, overage marker', () => {
    assert.equal(entraTenant({ tid: 't1' }), 't1');
    assert.equal(entraTenant({ iss: 'https://login.microsoftonline.com/abc-123/v2.0' }), 'abc-123');
    assert.equal(entraTenant({ iss: 'https://evil.example/abc/v2.0' }), undefined);
    assert.equal(hasGroupOverage({ _claim_names: { groups: 'src1' } }), true);
    assert.equal(hasGroupOverage({ groups: ['a'] }), false);
  });

  it('cidaas: group objects and roles', () => {
    assert.deepEqual(cidaasGroups({ groups: [{ groupId: 'g', roles: ['r1', 'r2'] }, { groupId: 'x' }], roles: ['USER'] }, 'groups'), ['g:r1', 'g:r2', 'cidaas:USER']);
  });

  it('adfs: scopes prefixed with the resource', () => {
    const base = { provider: 'adfs', clientId: 'c', clientSecret: 's' };
    assert.equal(adfsScope(base), 'openid email profile');
    assert.equal(adfsScope({ ...base, resource: 'https://app' }), 'https://app/openid email profile');
    assert.equal(adfsScope({ ...base, resource: 'https://app/', scope: 'https://app/openid' }), 'https://app/openid');
  });

  it('reads rel="next" from Link headers', () => {
    assert.equal(nextLink('<https://api/x?page=2>; rel="next", <https://api/x?page=5>; rel="last"'), 'https://api/x?page=2');
    assert.equal(nextLink('<https://api/x?page=1>; rel="prev"'), undefined);
    assert.equal(nextLink(null), undefined);
  });
});
