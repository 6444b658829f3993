// Skip-auth routes, API routes, trusted IPs and preflight, as tables; and the start-up screen for
// regexes that could backtrack catastrophically.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileAccessRules, parseSkipRoute, type RuleInput } from '../../src/rules/access.js';
import { compileRouteRegex } from '../../src/rules/regex.js';
import { normaliseTarget } from '../../src/http/target.js';

function input(method: string, target: string, clientIp = '192.0.2.1'): RuleInput {
  const t = normaliseTarget(target);
  return { method, decoded: t.decoded, query: t.query, ambiguous: t.ambiguous, clientIp };
}

const none = { skipAuthRoutes: [], skipAuthRegex: [], apiRoutes: [], skipAuthPreflight: false, trustedIps: [] };

describe('skip-auth route parsing (oauth2-proxy rules)', () => {
  const cases: Array<[string, { method: string; negate: boolean; pattern: string }]> = [
    ['^/public', { method: '', negate: false, pattern: '^/public' }],
    ['GET=^/public', { method: 'GET', negate: false, pattern: '^/public' }],
    ['get=^/public', { method: 'GET', negate: false, pattern: '^/public' }],
    ['POST!=^/private', { method: 'POST', negate: true, pattern: '^/private' }],
    ['!=^/private', { method: '', negate: true, pattern: '^/private' }],
    ['=^/x', { method: '', negate: false, pattern: '^/x' }],
  ];
  for (const [entry, expected] of cases) it(entry, () => assert.deepEqual(parseSkipRoute(entry), expected));
});

describe('skip-auth matching', () => {
  const { rules, problems } = compileAccessRules({ ...none, skipAuthRoutes: ['GET=^/public/', 'POST!=^/private', '/health$'], skipAuthRegex: ['^/static/'] });
  assert.deepEqual(problems, []);
  const cases: Array<[string, string, boolean]> = [
    ['GET', '/public/a', true],
    ['GET', '/p%75blic/a', true],
    ['HEAD', '/public/a', false],
    ['get', '/public/a', false],
    ['GET', '/admin?x=/public/', false],
    ['GET', '/admin#/public/', false],
    ['GET', '/admin%23/public/', false],
    ['GET', '/public/../admin', false],
    ['GET', '/public/..%2Fadmin', false],
    ['GET', '/public/%2e%2e/admin', false],
    ['GET', '/public/%252e%252e/admin', false],
    ['GET', '/public/..;/admin', false],
    ['GET', '//public/a', false],
    ['GET', '/public%2Fa', false],
    ['POST', '/anything', true],
    ['POST', '/private/x', false],
    ['POST', '/x/../private', false],
    ['PUT', '/anything', false],
    ['GET', '/x/health', true],
    ['GET', '/x/health?y', true],
    ['GET', '/health/x', false],
    ['DELETE', '/static/app.js', true],
    ['DELETE', '/x/static/app.js', false],
    ['GET', '/' + 'a'.repeat(5000) + '/health', false],
  ];
  for (const [method, target, skip] of cases) {
    it(`${method} ${target.slice(0, 60)} → ${skip ? 'skips' : 'needs auth'}`, () => assert.equal(rules.skips(input(method, target)), skip));
  }

  it('lets OPTIONS through only with --skip-auth-preflight', () => {
    assert.equal(compileAccessRules(none).rules.skips(input('OPTIONS', '/x')), false);
    assert.equal(compileAccessRules({ ...none, skipAuthPreflight: true }).rules.skips(input('OPTIONS', '/x/../y')), true);
    assert.equal(compileAccessRules({ ...none, skipAuthPreflight: true }).rules.skips(input('GET', '/x')), false);
  });

  it('lets trusted client IPs through, whatever the path', () => {
    const r = compileAccessRules({ ...none, trustedIps: ['10.1.0.0/16', '2001:db8::1'] }).rules;
    assert.equal(r.skips(input('GET', '/a/../b', '10.1.2.3')), true);
    assert.equal(r.skips(input('GET', '/a', '2001:db8::1')), true);
    assert.equal(r.skips(input('GET', '/a', '10.2.0.1')), false);
    assert.equal(r.any, true);
    assert.equal(compileAccessRules(none).rules.any, false);
  });
});

describe('api routes', () => {
  const { rules } = compileAccessRules({ ...none, apiRoutes: ['^/api/', 'format=json'] });
  for (const [target, api] of [['/api/x', true], ['/a%70i/x', true], ['/x?format=json', true], ['/x', false], ['/x/api/', false]] as const) {
    it(`${target} → ${api}`, () => assert.equal(rules.isApi(input('GET', target)), api));
  }
});

describe('route regexes', () => {
  const refused: Array<[string, RegExp]> = [
    ['(a+)+$', /nested repetition/],
    ['^/(\\w+\\s?)*$', /nested repetition/],
    ['^/((ab)*c)+', /nested repetition/],
    ['(.*a){20}', /nested repetition/],
    ['^/(x|y+)*z', /nested repetition/],
    ['(a)\\1', /backreferences/],
    ['^/(?=admin)', /lookahead/],
    ['^/(?<!x)a', /lookahead and lookbehind/],
    ['^/a(?i)b', /inline flags/],
    ['^/(unclosed', /unbalanced|invalid/],
    ['^/[', /invalid/],
  ];
  for (const [pattern, why] of refused) {
    it(`refuses ${pattern}`, () => {
      const c = compileRouteRegex(pattern);
      assert.equal(c.ok, false);
      if (!c.ok) assert.match(c.problem, why);
    });
  }
  const accepted: Array<[string, string, boolean]> = [
    ['^/public/(css|js)/.*\\.(css|js)$', '/public/js/app.js', true],
    ['(?i)^/PUBLIC', '/public', true],
    ['^/(?P<v>v[0-9]+)/status$', '/v2/status', true],
    ['^/[(]a+[)]+$', '/(a)', true],
    ['^/a{2,3}(b{2})?$', '/aabb', true],
    ['^/(ab)+$', '/abab', true],
  ];
  for (const [pattern, path, matches] of accepted) {
    it(`accepts ${pattern}`, () => {
      const c = compileRouteRegex(pattern);
      assert.ok(c.ok, c.ok ? '' : c.problem);
      if (c.ok) assert.equal(c.regex.test(path), matches);
    });
  }

  it('names the flag and the entry in every problem', () => {
    const { problems } = compileAccessRules({ ...none, skipAuthRoutes: ['GET=(a+)+'], skipAuthRegex: ['(b*)*'], apiRoutes: ['(c+)+'], trustedIps: ['10.0.0.300'] });
    assert.deepEqual(problems.map(([f]) => f), ['skip-auth-route', 'skip-auth-regex', 'api-route', 'trusted-ip']);
    assert.match(problems[0]![1], /"GET=\(a\+\)\+"/);
  });
});
