// Reading and checking --policy-file: YAML and JSON, every problem reported at once with its place,
// the flags' start-up checks, and the compiled table kept with the validated Config.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rmSync } from 'node:fs';
import { loadConfig } from '../../src/config/index.js';
import { compileTable } from '../../src/policy/compile.js';
import { loadRouteTable, routeTableOf } from '../../src/config/policy-file.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const GOOD_YAML = `
routes:
  - id: assets
    host: app.example.com
    path: /static/
    methods: [GET, HEAD]
    allowPublic: true
  - id: admin
    path: /admin/
    allow:
      emails: [boss@example.com]
      domains: [example.com]
      groups: [admins]
      roles: [ops]
      claims: { department: [eng, ops], "https://example.com/tier": gold }
  - pathRegex: ^/api/v[0-9]+/admin
    deny: true
  - id: everyone
    path: /
    allow: { authenticated: true }
`;

describe('loading the policy file', () => {
  it('reads YAML and JSON', () => {
    const y = loadRouteTable(file('p.yaml', GOOD_YAML));
    assert.ok(y.ok);
    assert.deepEqual(y.table.rules.map((r) => r.id), ['assets', 'admin', 'routes[2]', 'everyone']);
    const j = loadRouteTable(file('p.json', JSON.stringify({ routes: [{ path: '/', allowPublic: true }] })));
    assert.ok(j.ok);
  });

  it('accepts the snake_case spellings allow_public and path_regex, but not both spellings at once', () => {
    const ok = loadRouteTable(file('snake.yaml', 'routes:\n  - path_regex: ^/pub\n    allow_public: true\n'));
    assert.ok(ok.ok);
    assert.equal(ok.table.rules[0]!.kind, 'public');
    const both = loadRouteTable(file('both.yaml', 'routes:\n  - path: /\n    allow_public: true\n    allowPublic: true\n'));
    assert.ok(!both.ok);
    assert.deepEqual(both.problems.map((p) => p.replace(/^.*both\.yaml: /, '')), ['routes[0].allowPublic: given twice, in camelCase and in snake_case; keep one']);
  });

  it('lists every problem at once, each with its place in the file', () => {
    const path = file('bad.yaml', `
routes:
  - id: a
    path: static/
    allowPublik: true
  - id: a
    path: /x/
    pathRegex: ^/x
    allow: { groups: [] }
  - pathRegex: (a+)+$
    methods: [GET, "P OST"]
    allow: { authenticated: false, claims: { x: { nested: 1 } }, team: [x] }
  - host: ["*.example.com", "bad host:80", "a.*.com"]
    path: /a/../b/
  - path: /ok/
    allowPublic: true
    deny: true
  - "just a string"
extra: 1
`);
    const r = loadRouteTable(path);
    assert.ok(!r.ok);
    const at = (s: string) => `${path}: ${s}`;
    assert.deepEqual(r.problems, [
      at('unknown key "extra" (known: routes)'),
      at('routes[0]: unknown key "allowPublik" (did you mean allowPublic?)'),
      at('routes[0].path: must be a path prefix starting with /'),
      at('routes[0]: needs one of allowPublic: true, deny: true or allow: {…}'),
      at('routes[1].pathRegex: give either path or pathRegex, not both'),
      at('routes[1].allow.groups: must be a string or a non-empty list of strings'),
      at('routes[2].pathRegex: "(a+)+$": nested repetition "(a+)+" can take exponential time on a crafted path; rewrite it without a repeated group that itself repeats'),
      at('routes[2].methods: "P OST" is not an HTTP method'),
      at('routes[2].allow.authenticated: must be true (leave it out, or use allowPublic: true, for no sign-in)'),
      at('routes[2].allow.claims: "x": must be a string, number or boolean, or a non-empty list of them'),
      at('routes[2].allow: unknown key "team" (known: authenticated, emails, domains, groups, roles, claims)'),
      at('routes[3].host: "bad host:80" is not a host name (a name without port, or *.<domain> for its subdomains)'),
      at('routes[3].host: "a.*.com" is not a host name (a name without port, or *.<domain> for its subdomains)'),
      at('routes[3].path: "/a/../b/" must be written decoded, without query, fragment, backslash, dot segments or repeated slashes'),
      at('routes[3]: needs one of allowPublic: true, deny: true or allow: {…}'),
      at('routes[4]: give only one of allowPublic, deny'),
      at('routes[5]: must be a mapping'),
    ]);
  });

  it('names a duplicate id, an empty table and unreadable or unparsable files', () => {
    const dup = compileTable({ routes: [{ id: 'x', deny: true }, { id: 'x', deny: true }] });
    assert.deepEqual(!dup.ok && dup.problems, ['routes[1].id: "x" is already the id of routes[0]']);
    const empty = compileTable({ routes: [] });
    assert.deepEqual(!empty.ok && empty.problems, ['routes: must be a non-empty list (an empty table would deny every request)']);
    const missing = loadRouteTable(join(dir, 'nope.yaml'));
    assert.deepEqual(!missing.ok && missing.problems, [`cannot read ${JSON.stringify(join(dir, 'nope.yaml'))}: no such file`]);
    const yaml = loadRouteTable(file('broken.yaml', 'routes:\n  - path: /a\n   bad: [\n'));
    assert.ok(!yaml.ok && /^.*broken\.yaml: \d+:\d+: invalid YAML: /.test(yaml.problems[0]!), !yaml.ok ? yaml.problems[0] : '');
    const dupKey = loadRouteTable(file('dupkey.yaml', 'routes:\n  - path: /a\n    path: /b\n    deny: true\n'));
    assert.ok(!dupKey.ok && /invalid YAML/.test(dupKey.problems[0]!));
    const json = loadRouteTable(file('broken.json', '{"routes": ['));
    assert.ok(!json.ok && /broken\.json: invalid JSON: /.test(json.problems[0]!));
  });
});

describe('the policy options at start-up', () => {
  const base = ['--provider=oidc', '--oidc-issuer-url=https://idp.example.com', '--client-id=x', '--client-secret=y',
    '--cookie-secret=kS9nG2xV7qL4wP1zR8tY3uB6mC0dF5hJ', '--email-domain=*', '--upstream=http://127.0.0.1:1'];

  it('reports the file\'s problems with the other configuration errors, naming the flag', () => {
    const path = file('start.yaml', 'routes:\n  - path: nope\n    deny: true\n  - pathRegex: "(x"\n    deny: true\n');
    const r = loadConfig([...base, `--policy-file=${path}`, '--cookie-expire=-1s'], {});
    assert.ok(!r.ok);
    assert.ok(r.errors.some((e) => e.startsWith('--cookie-expire:')), r.errors.join('\n'));
    assert.ok(r.errors.includes(`--policy-file: ${path}: routes[0].path: must be a path prefix starting with /`), r.errors.join('\n'));
    assert.ok(r.errors.some((e) => e.startsWith(`--policy-file: ${path}: routes[1].pathRegex: "(x": invalid regular expression`)), r.errors.join('\n'));
  });

  it('reads the env variable and TOML-style key, and needs the file for the other two flags', () => {
    const path = file('env.yaml', GOOD_YAML);
    const r = loadConfig(base, { OAUTH2_PROXY_POLICY_FILE: path, OAUTH2_PROXY_POLICY_REPORT_ONLY: 'true', OAUTH2_PROXY_POLICY_EXPLAIN: 'true' });
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    assert.equal(r.config.policyFile, path);
    assert.equal(r.config.policyReportOnly, true);
    assert.equal(r.config.policyExplain, true);
    const lone = loadConfig([...base, '--policy-report-only', '--policy-explain'], {});
    assert.ok(!lone.ok);
    assert.deepEqual(lone.errors.filter((e) => e.startsWith('--policy')), ['--policy-report-only: needs --policy-file', '--policy-explain: needs --policy-file']);
  });

  it('keeps the table it validated with the Config, so a later edit of the file cannot slip past validation', () => {
    const path = file('kept.yaml', GOOD_YAML);
    const r = loadConfig([...base, `--policy-file=${path}`], {});
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    writeFileSync(path, 'routes: [not, valid]\n');
    const table = routeTableOf(r.config);
    assert.deepEqual(table?.rules.map((x) => x.id), ['assets', 'admin', 'routes[2]', 'everyone']);
    const none = loadConfig(base, {});
    assert.ok(none.ok);
    assert.equal(routeTableOf(none.config), undefined);
  });
});
