// Further identity providers in the configuration: --extra-provider from flags, environment and
// TOML, the alpha `providers` list, their validation (every problem at once, naming the provider)
// and --convert-config-to-alpha.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { toAlphaYaml } from '../../src/config/alpha-convert.js';
import { defaultProviderIdOf, extraProviderConfigs, parseExtraProviders } from '../../src/config/extra-providers.js';
import { loadConfig } from '../../src/config/index.js';
import { CLIENT_SECRET, COOKIE_SECRET, VALID_ARGS, loadErrors, loadOk } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'extra-providers-'));
let n = 0;
function file(name: string, text: string): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
}

const CORP = 'id=corp,provider=oidc,oidc-issuer-url=https://corp.example,client-id=corp-app,client-secret=corp-secret,provider-display-name=Corp,scope=openid email,allowed-group=staff,allowed-group=ops';
const GH = 'id=gh,provider=github,client-id=gh-app,client-secret=gh-secret';

describe('--extra-provider', () => {
  it('reads each value as one provider, the main configuration overlaid with its keys', () => {
    const { config } = loadOk([...VALID_ARGS, '--allowed-group=admins', `--extra-provider=${CORP}`, `--extra-provider=${GH}`]);
    const [corp, gh, ...rest] = extraProviderConfigs(config);
    assert.equal(rest.length, 0);
    assert.ok(corp && gh);
    assert.equal(corp.providerId, 'corp');
    assert.equal(corp.provider, 'oidc');
    assert.equal(corp.oidcIssuerUrl, 'https://corp.example');
    assert.equal(corp.clientId, 'corp-app');
    assert.equal(corp.clientSecret, 'corp-secret');
    assert.equal(corp.providerDisplayName, 'Corp');
    assert.equal(corp.scope, 'openid email');
    assert.deepEqual(corp.allowedGroups, ['staff', 'ops'], 'a list key may repeat');
    assert.equal(gh.providerId, 'gh');
    assert.equal(gh.provider, 'github');
    assert.deepEqual(gh.allowedGroups, [], 'the main --allowed-group is the default provider\'s own');
    assert.equal(gh.oidcIssuerUrl, '', 'provider settings are not inherited');
    // Everything else is the main configuration's.
    assert.equal(gh.cookieSecret, config.cookieSecret);
    assert.deepEqual(config.allowedGroups, ['admins']);
  });

  it('inherits the TLS settings for reaching providers unless the provider sets them', () => {
    const args = [...VALID_ARGS, '--ssl-insecure-skip-verify'];
    const { config } = loadOk([...args, `--extra-provider=${GH}`, `--extra-provider=id=x,provider=github,client-id=a,client-secret=b,ssl-insecure-skip-verify=false`]);
    const [gh, x] = extraProviderConfigs(config);
    assert.equal(gh?.sslInsecureSkipVerify, true);
    assert.equal(x?.sslInsecureSkipVerify, false);
  });

  it('takes several providers from one environment variable, each opened by id=', () => {
    const { config } = loadOk(VALID_ARGS, { OAUTH2_PROXY_EXTRA_PROVIDERS: `${CORP},${GH}` });
    assert.deepEqual(extraProviderConfigs(config).map((c) => [c.providerId, c.clientId]), [['corp', 'corp-app'], ['gh', 'gh-app']]);
  });

  it('takes a TOML list', () => {
    const toml = file('cfg.toml', `extra_providers = [${JSON.stringify(CORP)}, ${JSON.stringify(GH)}]\n`);
    const { config } = loadOk([...VALID_ARGS, `--config=${toml}`]);
    assert.deepEqual(extraProviderConfigs(config).map((c) => c.providerId), ['corp', 'gh']);
  });

  it('reads the client secret from client-secret-file', () => {
    const secret = file('secret', 'from-file\n');
    const { config } = loadOk([...VALID_ARGS, `--extra-provider=id=gh,provider=github,client-id=a,client-secret-file=${secret}`]);
    assert.equal(extraProviderConfigs(config)[0]?.clientSecret, 'from-file');
  });

  it('reports every problem at once, naming the flag and the provider, never a secret', () => {
    const errors = loadErrors([
      ...VALID_ARGS,
      '--extra-provider=provider=oidc,client-id=a',
      '--extra-provider=id=a,provider=oidc,oidc-issuer-url=https://a.example,client-id=x,client-secret=s3cr3t-value,colour=blue',
      '--extra-provider=id=b,client-id=y,client-secret=z',
      '--extra-provider=id=c,provider=github,client-secret=z',
      '--extra-provider=id=a,provider=github,client-id=x,client-secret=z',
      '--extra-provider=id=d,provider=myspace,client-id=x,client-secret=z',
      '--extra-provider=id=e,provider=github,client-id=x',
      '--extra-provider=id=f,provider=github,client-id=x,client-secret-file=/nonexistent/secret',
      '--extra-provider=id=bad id,provider=github,client-id=x,client-secret=z',
    ]);
    const has = (pattern: RegExp) => assert.ok(errors.some((e) => pattern.test(e)), `${pattern} in:\n${errors.join('\n')}`);
    has(/^--extra-provider: each provider must begin with id=<id>/);
    has(/^--extra-provider: a: unknown key "colour"/);
    has(/^--extra-provider: b: provider: missing setting/);
    has(/^--extra-provider: c: client-id: missing setting/);
    has(/^--extra-provider: a: id is used by more than one provider/);
    has(/^--extra-provider: d: provider: "myspace" is not a valid provider/);
    has(/^--extra-provider: e: client-secret: missing setting/);
    has(/^--extra-provider: f: client-secret-file: cannot read/);
    has(/^--extra-provider: bad id: id must be letters, digits/);
    assert.ok(!errors.join('\n').includes('s3cr3t-value'));
  });

  it('refuses an id the default provider has (set by the alpha file)', () => {
    const alpha = file('alpha.yaml', `providers:\n  - id: corp\n    provider: oidc\n    clientID: app\n    clientSecret: ${CLIENT_SECRET}\n    oidcConfig: { issuerURL: "https://idp.example.com" }\n` +
      `  - id: corp\n    provider: github\n    clientID: gh\n    clientSecret: s\n`);
    const r = loadConfig([`--alpha-config=${alpha}`, `--cookie-secret=${COOKIE_SECRET}`, '--email-domain=*'], {});
    assert.ok(!r.ok);
    assert.ok(r.errors.some((e) => /providers\[1\]\.id: "corp" is used by more than one provider/.test(e)), r.errors.join('\n'));
  });

  it('parses values without splitting inside a value, and ignores surrounding blanks', () => {
    const { specs, errors } = parseExtraProviders([' id=a , scope=openid email profile ', 'prompt=login']);
    assert.deepEqual(errors, []);
    assert.equal(specs.length, 1);
    assert.deepEqual([...specs[0]!.values].map(([o, v]) => [o.name, v]), [['scope', 'openid email profile'], ['prompt', 'login']]);
    assert.match(parseExtraProviders(['id=a,noequals']).errors[0] ?? '', /every item must be key=value/);
    assert.match(parseExtraProviders(['id=a,prompt=a,prompt=b']).errors[0] ?? '', /prompt is given more than once/);
  });
});

const ALPHA_TWO = `
providers:
  - id: main
    provider: oidc
    clientID: main-app
    clientSecret: main-secret
    allowedGroups: [admins]
    oidcConfig:
      issuerURL: https://main.example
  - id: corp
    provider: oidc
    name: Corp
    clientID: corp-app
    clientSecret: corp-secret
    scope: openid email
    allowedGroups: [staff]
    oidcConfig:
      issuerURL: https://corp.example
      emailClaim: mail
    loginURLParameters:
      - name: prompt
        default: [login]
  - id: gh
    provider: github
    clientID: gh-app
    clientSecret: gh-secret
    githubConfig:
      org: acme
cookie_secret: ${COOKIE_SECRET}
email_domains: ["*"]
upstreamConfig:
  upstreams:
    - id: app
      path: /
      uri: http://127.0.0.1:8080
`;

describe('alpha providers list', () => {
  it('keeps the first entry as the legacy provider options and makes the others further providers', () => {
    const r = loadConfig([`--alpha-config=${file('two.yaml', ALPHA_TWO)}`], {});
    assert.ok(r.ok, r.ok ? '' : r.errors.join('\n'));
    const c = r.config;
    assert.equal(c.clientId, 'main-app');
    assert.equal(c.oidcIssuerUrl, 'https://main.example');
    assert.deepEqual(c.allowedGroups, ['admins']);
    assert.equal(defaultProviderIdOf(c), 'main');
    const [corp, gh] = extraProviderConfigs(c);
    assert.equal(corp?.providerId, 'corp');
    assert.equal(corp?.providerDisplayName, 'Corp');
    assert.equal(corp?.oidcEmailClaim, 'mail');
    assert.equal(corp?.prompt, 'login');
    assert.deepEqual(corp?.allowedGroups, ['staff']);
    assert.equal(gh?.githubOrg, 'acme');
    assert.equal(gh?.oidcIssuerUrl, '');
  });

  it('needs an id on every entry when there are several, and refuses unknown keys in any entry', () => {
    const yaml = ALPHA_TWO.replace('  - id: gh\n    provider: github', '  - provider: github').replace('emailClaim: mail', 'emailClaim: mail\n      colour: blue');
    const r = loadConfig([`--alpha-config=${file('bad.yaml', yaml)}`], {});
    assert.ok(!r.ok);
    const all = r.errors.join('\n');
    assert.match(all, /providers\[2\]\.id: missing setting \(required when there is more than one provider\)/);
    assert.match(all, /providers\[1\]\.oidcConfig\.colour: unknown or unsupported key/);
  });

  it('refuses --extra-provider next to --alpha-config', () => {
    const r = loadConfig([`--alpha-config=${file('two.yaml', ALPHA_TWO)}`, `--extra-provider=${GH.replace('id=gh', 'id=other')}`], {});
    assert.ok(!r.ok);
    assert.match(r.errors.join('\n'), /--extra-provider: cannot be used with --alpha-config/);
  });

  it('converts --extra-provider into further providers entries that load back to the same providers', () => {
    const { config } = loadOk([...VALID_ARGS, `--extra-provider=${CORP}`, `--extra-provider=${GH}`, '--upstream=http://127.0.0.1:8080']);
    const yaml = toAlphaYaml(config);
    const doc = parse(yaml) as { providers: Array<Record<string, unknown>> };
    assert.deepEqual(doc.providers.map((p) => p.id), ['oidc=app', 'corp', 'gh']);
    assert.deepEqual(doc.providers[1]?.allowedGroups, ['staff', 'ops']);
    assert.equal(doc.providers[2]?.provider, 'github');

    const back = loadConfig([`--alpha-config=${file('back.yaml', yaml)}`, `--cookie-secret=${COOKIE_SECRET}`, '--email-domain=*'], {});
    assert.ok(back.ok, back.ok ? '' : back.errors.join('\n'));
    const again = extraProviderConfigs(back.config).map((c) => [c.providerId, c.provider, c.clientId, c.scope, c.allowedGroups]);
    assert.deepEqual(again, extraProviderConfigs(config).map((c) => [c.providerId, c.provider, c.clientId, c.scope, c.allowedGroups]));
  });
});
