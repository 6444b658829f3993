import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cookieSecretBytes } from '../../src/session/secret.js';
import { CLIENT_SECRET, COOKIE_SECRET, VALID_ARGS, assertHasError, loadErrors, loadOk, tmpFile } from './support.js';

describe('--demo', () => {
  it('is a complete configuration on its own', () => {
    const { config, warnings } = loadOk(['--demo']);
    assert.equal(config.demo, true);
    assert.deepEqual(config.upstreams, ['http://127.0.0.1:8080']);
    assert.equal(config.devOidcProvider, '127.0.0.1:5556');
    assert.equal(config.cookieSecure, false);
    assert.equal(config.redirectUrl, '', 'derived from the request host, so any --http-address works');
    assert.deepEqual(config.emailDomains, ['*']);
    assert.equal(config.httpAddress, '127.0.0.1:4180');
    assert.equal(config.provider, 'oidc');
    assert.equal(config.oidcIssuerUrl, 'http://127.0.0.1:5556');
    assert.equal(config.clientId, 'oauth2-sidecar-dev');
    assert.equal(config.clientSecret, 'oauth2-sidecar-dev-secret');
    assert.ok(warnings.some((w) => w.startsWith('--demo:') && w.includes('random cookie secret')));
    assert.ok(warnings.some((w) => w.startsWith('--dev-oidc-provider:')));
  });

  it('generates a fresh 32-byte base64url cookie secret each time', () => {
    const a = loadOk(['--demo']).config.cookieSecret;
    const b = loadOk(['--demo']).config.cookieSecret;
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(cookieSecretBytes(a)?.length, 32);
    assert.notEqual(a, b);
  });

  it('keeps a cookie secret given in any source', () => {
    assert.equal(loadOk(['--demo', `--cookie-secret=${COOKIE_SECRET}`]).config.cookieSecret, COOKIE_SECRET);
    assert.equal(loadOk(['--demo'], { OAUTH2_PROXY_COOKIE_SECRET: COOKIE_SECRET }).config.cookieSecret, COOKIE_SECRET);
    const file = tmpFile('demo-cookie-secret', `${COOKIE_SECRET}\n`);
    const r = loadOk(['--demo', `--cookie-secret-file=${file}`]);
    assert.equal(r.config.cookieSecret, COOKIE_SECRET);
    assert.ok(!r.warnings.some((w) => w.includes('random cookie secret')));
  });

  it('sits below every other source', () => {
    const file = tmpFile('demo.toml', 'cookie_secure = true\nemail_domains = ["example.com"]\n');
    const { config } = loadOk(['--demo', `--config=${file}`, '--http-address=0.0.0.0:4180'], {
      OAUTH2_PROXY_DEV_OIDC_PROVIDER: '127.0.0.1:6000',
    });
    assert.equal(config.cookieSecure, true);
    assert.deepEqual(config.emailDomains, ['example.com']);
    assert.equal(config.httpAddress, '0.0.0.0:4180');
    assert.equal(config.devOidcProvider, '127.0.0.1:6000');
    assert.equal(config.oidcIssuerUrl, 'http://127.0.0.1:6000');
  });

  it('is not applied without the flag', () => {
    const { config } = loadOk(VALID_ARGS);
    assert.equal(config.demo, false);
    assert.equal(config.devOidcProvider, '');
    assert.deepEqual(config.upstreams, []);
  });
});

describe('--dev-oidc-provider', () => {
  const base = [`--cookie-secret=${COOKIE_SECRET}`, '--email-domain=*'];

  it('points an unconfigured proxy at the development provider', () => {
    const { config } = loadOk([...base, '--dev-oidc-provider=127.0.0.1:5557']);
    assert.equal(config.provider, 'oidc');
    assert.equal(config.oidcIssuerUrl, 'http://127.0.0.1:5557');
    assert.equal(config.clientId, 'oauth2-sidecar-dev');
    assert.equal(config.clientSecret, 'oauth2-sidecar-dev-secret');
    assert.equal(config.cookieSecure, true, 'nothing else changes');
  });

  it('is read from the environment and the file too', () => {
    assert.equal(loadOk(base, { OAUTH2_PROXY_DEV_OIDC_PROVIDER: 'localhost:5558' }).config.oidcIssuerUrl, 'http://localhost:5558');
    const file = tmpFile('dev.toml', 'dev_oidc_provider = "localhost:5559"\n');
    assert.equal(loadOk([...base, `--config=${file}`]).config.oidcIssuerUrl, 'http://localhost:5559');
  });

  it('fills only the provider settings that are empty', () => {
    const { config } = loadOk([
      ...base,
      '--dev-oidc-provider=127.0.0.1:5556',
      '--client-id=mine',
      '--oidc-issuer-url=https://idp.example.com',
    ]);
    assert.equal(config.clientId, 'mine');
    assert.equal(config.oidcIssuerUrl, 'https://idp.example.com');
    assert.equal(config.clientSecret, 'oauth2-sidecar-dev-secret');
    assert.equal(config.provider, 'oidc');
  });

  it('leaves an explicit provider and a client secret file alone', () => {
    const secretFile = tmpFile('dev-client-secret', 'file-secret\n');
    const github = loadOk([...base, '--dev-oidc-provider=127.0.0.1:5556', '--provider=github', `--client-secret-file=${secretFile}`]).config;
    assert.equal(github.provider, 'github', 'an explicit provider is not replaced');
    assert.equal(github.clientSecret, 'file-secret');
    const { config } = loadOk([...base, '--dev-oidc-provider=127.0.0.1:5556', '--provider=oidc', `--client-secret-file=${secretFile}`]);
    assert.equal(config.clientSecret, 'file-secret');
    const explicit = loadOk([...base, '--dev-oidc-provider=127.0.0.1:5556', `--client-secret=${CLIENT_SECRET}`]).config;
    assert.equal(explicit.clientSecret, CLIENT_SECRET);
  });

  it('must be host:port', () => {
    assertHasError(loadErrors([...base, '--dev-oidc-provider=5556']), 'dev-oidc-provider');
  });
});
