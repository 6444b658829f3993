// The route table's decisions, table by table: first match wins, deny by default, hosts, methods,
// prefixes and regexes on the canonical path, every allow kind, and paths crafted to slip past.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileTable, type RouteTable } from '../../src/policy/compile.js';
import { decide, type PolicyRequest } from '../../src/policy/decide.js';
import type { PolicyIdentity } from '../../src/policy/requirements.js';

function table(routes: unknown[]): RouteTable {
  const c = compileTable({ routes });
  assert.ok(c.ok, c.ok ? '' : c.problems.join('\n'));
  return c.table;
}

const req = (path: string, method = 'GET', host = 'app.example.com'): PolicyRequest => ({ method, host, path });
const alice: PolicyIdentity = { user: 'alice', email: 'alice@example.com', groups: ['admins', 'developers'] };
const bob: PolicyIdentity = { user: 'bob', email: 'bob@example.com', groups: ['developers'] };

describe('route table decisions', () => {
  const t = table([
    { id: 'assets', path: '/static/', methods: ['GET', 'HEAD'], allowPublic: true },
    { id: 'admin', path: '/admin/', allow: { groups: ['admins'] } },
    { id: 'admin-everyone', path: '/admin/', allow: { authenticated: true } },
    { id: 'api-admin', pathRegex: '^/api/v[0-9]+/admin', allow: { emails: ['boss@example.com'] } },
    { id: 'api', path: '/api/', allow: { domains: ['example.com'] } },
    { id: 'blocked', path: '/internal/', deny: true },
    { id: 'home', path: '/', methods: 'GET', allow: { authenticated: true } },
  ]);

  it('answers public, authenticate, allow and deny', () => {
    assert.deepEqual(decide(t, req('/static/app.js'), undefined), { effect: 'public', rule: 'assets', reasons: ['matched routes[0] (assets): public'] });
    assert.deepEqual(decide(t, req('/admin/users'), undefined), { effect: 'authenticate', rule: 'admin', reasons: ['matched routes[1] (admin): sign-in required'] });
    assert.equal(decide(t, req('/admin/users'), alice).effect, 'allow');
    assert.deepEqual(decide(t, req('/admin/users'), bob), { effect: 'deny', rule: 'admin', reasons: ['matched routes[1] (admin): user is in none of groups [admins]'] });
    assert.deepEqual(decide(t, req('/internal/x'), alice), { effect: 'deny', rule: 'blocked', reasons: ['matched routes[5] (blocked): denied by the rule'] });
  });

  it('lets the first matching route win over a later, more permissive one', () => {
    // admin-everyone would allow bob; admin comes first.
    assert.equal(decide(t, req('/admin/'), bob).rule, 'admin');
    // The regex route precedes the /api/ prefix it overlaps.
    assert.equal(decide(t, req('/api/v2/admin/keys'), alice).effect, 'deny');
    assert.equal(decide(t, req('/api/v2/users'), alice).effect, 'allow');
    assert.equal(decide(t, req('/api/v2/users'), alice).rule, 'api');
  });

  it('matches methods exactly and falls through on others', () => {
    // POST /static/ is not the public route: it falls to home, which is GET only, then to nothing.
    assert.deepEqual(decide(t, req('/static/app.js', 'POST'), alice), { effect: 'deny', reasons: ['no rule matched: denied by default'] });
    assert.equal(decide(t, req('/static/app.js', 'HEAD'), undefined).effect, 'public');
    assert.equal(decide(t, req('/static/app.js', 'get'), undefined).effect, 'deny', 'methods are case-sensitive on the wire');
  });

  it('treats a /dir/ prefix as covering /dir, and nothing else that merely starts alike', () => {
    assert.equal(decide(t, req('/admin'), bob).rule, 'admin');
    assert.equal(decide(t, req('/administrator'), bob).rule, 'home');
    assert.equal(decide(t, req('/staticfile'), undefined).effect, 'authenticate');
  });

  it('denies by default', () => {
    const only = table([{ path: '/a/', allow: { authenticated: true } }]);
    assert.deepEqual(decide(only, req('/b'), alice), { effect: 'deny', reasons: ['no rule matched: denied by default'] });
    assert.equal(decide(only, req('/b'), undefined).effect, 'deny');
    assert.equal(decide(only, req('/a/x'), alice).rule, 'routes[0]', 'default id');
  });

  it('matches on the decoded path, and denies paths some hop could read differently', () => {
    // Escapes of ordinary characters are read as the characters.
    assert.equal(decide(t, req('/%61dmin/x'), bob).rule, 'admin');
    assert.equal(decide(t, req('/st%61tic/app.js'), undefined).effect, 'public');
    for (const path of ['/static/../admin/x', '/static/%2e%2e/admin/x', '/static/..%2Fadmin/x', '/static%2Fx', '/static/..;/admin/',
      '//admin/x', '/static/.%2e/admin', '/static\\..\\admin', '/admin%00', '/static/%zz']) {
      const d = decide(t, req(path), undefined);
      assert.equal(d.effect, 'deny', `${path} → ${d.effect}`);
      assert.match(d.reasons[0]!, /at routes\[0\] \(assets\): the path is ambiguous/, path);
    }
    // The query and fragment never take part.
    assert.equal(decide(t, req('/admin/x?next=/static/'), undefined).rule, 'admin');
  });

  it('still decides an ambiguous path by routes without a path condition that come first', () => {
    const t2 = table([{ id: 'ops', host: 'ops.example.com', allow: { groups: ['admins'] } }, { path: '/public/', allowPublic: true }]);
    assert.equal(decide(t2, { method: 'GET', host: 'ops.example.com', path: '/a/../b' }, alice).effect, 'allow');
    assert.equal(decide(t2, { method: 'GET', host: 'app.example.com', path: '/public/../admin' }, undefined).effect, 'deny');
  });

  it('takes a precomputed canonical path as given', () => {
    assert.equal(decide(t, { method: 'GET', host: 'x', path: 'ignored', canonical: { decoded: '/static/a', ambiguous: false } }, undefined).effect, 'public');
    assert.equal(decide(t, { method: 'GET', host: 'x', path: '/static/a', canonical: { decoded: '', ambiguous: true } }, undefined).effect, 'deny');
  });

  it('does not run a regex on an overlong path, and denies it rather than pass the route over', () => {
    const t2 = table([{ pathRegex: '^/x', allow: { groups: ['admins'] } }, { path: '/', allowPublic: true }]);
    assert.match(decide(t2, req('/x' + 'a'.repeat(5000)), undefined).reasons[0]!, /longer than 4096/);
    assert.equal(decide(t2, req('/x' + 'a'.repeat(5000)), undefined).effect, 'deny');
    assert.equal(decide(t2, req('/xa'), alice).effect, 'allow');
    assert.equal(decide(t2, req('/xa'), bob).effect, 'deny');
  });
});

describe('hosts', () => {
  const t = table([
    { id: 'exact', host: 'app.example.com', path: '/admin/', deny: true },
    { id: 'wild', host: '*.example.com', path: '/admin/', allow: { groups: ['admins'] } },
    { id: 'pair', host: ['a.test', 'b.test'], allowPublic: true },
    { id: 'any', path: '/', allow: { authenticated: true } },
  ]);
  const at = (host: string, path = '/admin/x') => decide(t, { method: 'GET', host, path }, alice);

  it('matches exact hosts in any case, with or without a port or a trailing dot', () => {
    for (const h of ['app.example.com', 'APP.Example.com', 'app.example.com:8443', 'app.example.com.']) assert.equal(at(h).rule, 'exact', h);
  });
  it('matches *.domain for subdomains only, at any depth', () => {
    assert.equal(at('x.example.com').rule, 'wild');
    assert.equal(at('a.b.example.com').rule, 'wild');
    assert.equal(at('example.com').rule, 'any');
    assert.equal(at('evil-example.com').rule, 'any');
    assert.equal(at('example.com.evil.test').rule, 'any');
  });
  it('accepts a list of hosts, and leaves unnamed hosts to host-less routes', () => {
    assert.equal(at('b.test').effect, 'public');
    assert.equal(at('c.test').rule, 'any');
    assert.equal(at('').rule, 'any');
    assert.equal(at('[::1]:8080').rule, 'any');
  });
});

describe('allow kinds', () => {
  const one = (allow: Record<string, unknown>) => table([{ id: 'r', path: '/', allow }]);
  const check = (allow: Record<string, unknown>, who: PolicyIdentity) => decide(one(allow), req('/x'), who);

  it('emails: any listed address, in any case', () => {
    assert.equal(check({ emails: ['Alice@Example.com'] }, alice).effect, 'allow');
    assert.deepEqual(check({ emails: ['boss@example.com'] }, alice).reasons, ['matched routes[0] (r): email is none of emails [boss@example.com]']);
  });

  it('domains: exact, or subdomains with *. and a leading dot', () => {
    assert.equal(check({ domains: ['example.com'] }, alice).effect, 'allow');
    assert.equal(check({ domains: ['*.example.com'] }, alice).effect, 'deny');
    assert.equal(check({ domains: ['.example.com'] }, { ...alice, email: 'a@eu.example.com' }).effect, 'allow');
    assert.equal(check({ domains: ['example.com'] }, { ...alice, email: 'a@x@example.com' }).effect, 'deny', 'two @ is not an address');
    assert.equal(check({ domains: ['example.com'] }, { ...alice, email: '' }).effect, 'deny');
  });

  it('groups: any one of them', () => {
    assert.equal(check({ groups: ['ops', 'developers'] }, bob).effect, 'allow');
    assert.equal(check({ groups: 'ops' }, bob).effect, 'deny');
  });

  it('roles: role:<r> groups, a roles claim, or realm_access.roles', () => {
    assert.equal(check({ roles: ['ops'] }, { ...bob, groups: ['role:ops'] }).effect, 'allow');
    assert.equal(check({ roles: ['ops'] }, { ...bob, groups: ['ops'] }).effect, 'deny', 'a plain group is not a role');
    assert.equal(check({ roles: ['ops'] }, { ...bob, claims: { roles: ['x', 'ops'] } }).effect, 'allow');
    assert.equal(check({ roles: ['ops'] }, { ...bob, claims: { roles: 'ops' } }).effect, 'allow');
    assert.equal(check({ roles: ['ops'] }, { ...bob, claims: { realm_access: { roles: ['ops'] } } }).effect, 'allow');
    assert.equal(check({ roles: ['app:ops'] }, { ...bob, groups: ['role:app:ops'] }).effect, 'allow', 'client roles');
    assert.deepEqual(check({ roles: ['ops'] }, bob).reasons, ['matched routes[0] (r): user has none of roles [ops]']);
  });

  it('claims: scalars, lists, URL-named and nested dotted claims', () => {
    const claims = { department: 'eng', teams: ['a', 'b'], 'https://example.com/tier': 'gold', level: 3, staff: true, org: { unit: { name: 'platform' } } };
    const who = { ...bob, claims };
    assert.equal(check({ claims: { department: ['eng', 'ops'] } }, who).effect, 'allow');
    assert.equal(check({ claims: { teams: 'b' } }, who).effect, 'allow', 'a list claim holding the value');
    assert.equal(check({ claims: { 'https://example.com/tier': 'gold' } }, who).effect, 'allow', 'a name with dots, taken whole');
    assert.equal(check({ claims: { level: 3, staff: true } }, who).effect, 'allow', 'numbers and booleans');
    assert.equal(check({ claims: { level: '3' } }, who).effect, 'allow', 'compared as text');
    assert.equal(check({ claims: { 'org.unit.name': 'platform' } }, who).effect, 'allow', 'a dotted path into nested objects');
    assert.equal(check({ claims: { org: 'x' } }, who).effect, 'deny', 'objects match nothing');
    assert.deepEqual(check({ claims: { department: 'ops', missing: 'x' } }, who).reasons, [
      'matched routes[0] (r): claim department is none of [ops]',
      'matched routes[0] (r): claim missing is missing',
    ]);
    assert.equal(check({ claims: { department: 'eng' } }, bob).effect, 'deny', 'no claims at all');
  });

  it('needs every listed kind and reports each that fails', () => {
    const allow = { emails: ['bob@example.com'], domains: ['example.com'], groups: ['admins'], roles: ['ops'], authenticated: true };
    assert.deepEqual(check(allow, bob).reasons, [
      'matched routes[0] (r): user is in none of groups [admins]',
      'matched routes[0] (r): user has none of roles [ops]',
    ]);
    assert.equal(check(allow, { ...bob, groups: ['admins', 'role:ops'] }).effect, 'allow');
  });

  it('reads claims only when a roles or claims check needs them', () => {
    let reads = 0;
    const who: PolicyIdentity = { ...alice, get claims() { reads++; return {}; } };
    check({ groups: ['admins'] }, who);
    assert.equal(reads, 0);
    check({ roles: ['admins'] }, who);
    assert.equal(reads, 1);
  });
});

describe('overlapping and conflicting rules, as a table', () => {
  // Host-specific and host-less routes interleaved, a public route shadowed by an earlier deny, a
  // method-limited route in front of a broader one, and a regex overlapping a prefix.
  const t = table([
    { id: 'ops-host', host: 'ops.example.com', allow: { groups: ['admins'] } },
    { id: 'no-delete', methods: ['DELETE'], deny: true },
    { id: 'private-docs', path: '/docs/private/', allow: { emails: ['alice@example.com'] } },
    { id: 'docs', path: '/docs/', allowPublic: true },
    { id: 'writes', methods: ['POST', 'PUT'], path: '/api/', allow: { groups: ['admins'] } },
    { id: 'reports', pathRegex: '^/api/reports/[0-9]+$', allow: { groups: ['developers'] } },
    { id: 'api', path: '/api/', allow: { groups: ['admins'] } },
    { id: 'wild', host: '*.example.com', path: '/', allow: { authenticated: true } },
  ]);
  const cases: Array<[method: string, host: string, path: string, who: PolicyIdentity | undefined, effect: string, rule: string | undefined]> = [
    ['GET', 'ops.example.com', '/docs/x', bob, 'deny', 'ops-host'],          // the host route comes first, even over public docs
    ['GET', 'ops.example.com', '/docs/x', alice, 'allow', 'ops-host'],
    ['DELETE', 'app.example.com', '/docs/x', alice, 'deny', 'no-delete'],     // a method rule before the public route
    ['GET', 'app.example.com', '/docs/private/a', undefined, 'authenticate', 'private-docs'],
    ['GET', 'app.example.com', '/docs/private/a', bob, 'deny', 'private-docs'], // not the later public /docs/
    ['GET', 'app.example.com', '/docs/public', undefined, 'public', 'docs'],
    ['POST', 'app.example.com', '/api/reports/7', bob, 'deny', 'writes'],     // writes precede the reports regex
    ['GET', 'app.example.com', '/api/reports/7', bob, 'allow', 'reports'],
    ['GET', 'app.example.com', '/api/reports/7x', bob, 'deny', 'api'],        // the regex is anchored; the prefix decides
    ['GET', 'app.example.com', '/api/reports/7', alice, 'allow', 'reports'],
    ['GET', 'app.example.com', '/home', bob, 'allow', 'wild'],
    ['GET', 'example.com', '/home', bob, 'deny', undefined],                  // *.example.com is not example.com: no route
    ['GET', 'other.test', '/home', alice, 'deny', undefined],
  ];
  for (const [method, host, path, who, effect, rule] of cases) {
    it(`${method} ${host}${path} as ${who?.user ?? 'nobody'} → ${effect} by ${rule ?? 'no rule'}`, () => {
      const d = decide(t, req(path, method, host), who);
      assert.equal(d.effect, effect, d.reasons.join('; '));
      assert.equal(d.rule, rule);
    });
  }
});

