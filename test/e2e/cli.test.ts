// The executable as an operator runs it: flags, OAUTH2_PROXY_* variables and a TOML file, all
// configuration errors at once with exit 1 before any listener opens, and a graceful SIGTERM.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { DEMO_PASSWORD, startTestIdp } from '../support/idp.js';
import { createClient, signIn } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { runBin, startBin } from '../support/spawn.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

describe('configuration errors', () => {
  it('reports every problem at once, each naming its flag, and exits 1 without listening', async () => {
    const port = await freePort();
    const r = await runBin([
      `--http-address=127.0.0.1:${port}`,
      '--provider=oidc',
      '--cookie-secret=short',
      '--cookie-samesite=sometimes',
      '--cookie-refresh=200h',
      '--upstream=ftp://files.example.com/',
      '--real-client-ip-header=X-Client',
    ]);
    assert.equal(r.code, 1);
    for (const flag of ['--cookie-secret', '--cookie-samesite', '--cookie-refresh', '--client-id', '--client-secret', '--oidc-issuer-url', '--upstream', '--real-client-ip-header', '--email-domain']) {
      assert.match(r.stderr, new RegExp(flag.replace(/-/g, '\\-')), `mentions ${flag}`);
    }
    assert.doesNotMatch(r.stderr, /short/, 'the secret value is not echoed');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.ok(await portIsFree(port), 'no listener was opened');
  });

  it('refuses unknown flags, unknown file keys and unsupported options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-cfg-'));
    const file = join(dir, 'bad.cfg');
    writeFileSync(file, 'email_domains = ["example.com"]\nnot_an_option = true\n');
    const r = await runBin([`--config=${file}`, '--no-such-flag=1', '--skip-auth-route=^/(a+)+$']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no-such-flag/);
    assert.match(r.stderr, /not_an_option/);
    assert.match(r.stderr, /--skip-auth-route: .*nested repetition/);
  });

  it('--config-test exits 0 for a valid configuration and 1 for a broken template', async () => {
    const valid = ['--provider=oidc', '--oidc-issuer-url=https://idp.example.com', '--client-id=a', '--client-secret=b', `--cookie-secret=${TEST_COOKIE_SECRET}`, '--email-domain=*', '--upstream=http://127.0.0.1:8080'];
    const ok = await runBin([...valid, '--config-test']);
    assert.equal(ok.code, 0, ok.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-tpl-'));
    writeFileSync(join(dir, 'sign_in.html'), '{{define "sign_in.html"}}<p>{{if .ProviderName}}unclosed</p>');
    const broken = await runBin([...valid, `--custom-templates-dir=${dir}`, '--config-test']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /sign_in\.html/);
    assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
  });

  it('--version and --help exit 0', async () => {
    const v = await runBin(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /oauth2-sidecar/);
    const h = await runBin(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--cookie-secret/);
    assert.match(h.stdout, /--upstream/);
  });
});

describe('configuration sources', () => {
  let echo: EchoUpstream;
  let idp: Awaited<ReturnType<typeof startTestIdp>>;
  let port: number;
  before(async () => {
    port = await freePort();
    echo = await startEchoUpstream();
    idp = await startTestIdp({ redirectUris: [`http://127.0.0.1:${port}/oauth2/callback`] });
  });
  after(async () => {
    await idp.close();
    await echo.close();
  });

  const env = () => ({
    OAUTH2_PROXY_HTTP_ADDRESS: `127.0.0.1:${port}`,
    OAUTH2_PROXY_PROVIDER: 'oidc',
    OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer,
    OAUTH2_PROXY_CLIENT_ID: 'proxy',
    OAUTH2_PROXY_CLIENT_SECRET: 'proxy-secret',
    OAUTH2_PROXY_COOKIE_SECRET: TEST_COOKIE_SECRET,
    OAUTH2_PROXY_COOKIE_SECURE: 'false',
    OAUTH2_PROXY_EMAIL_DOMAINS: 'example.com,example.org',
    OAUTH2_PROXY_UPSTREAMS: echo.url,
  });

  it('runs from environment variables alone, and drains on SIGTERM', async () => {
    const p = await startBin([], env(), / listening address=/);
    try {
      const ping = await fetch(`http://127.0.0.1:${port}/ping`);
      assert.equal(ping.status, 200);
      const client = createClient();
      const { response } = await signIn(client, { startUrl: `http://127.0.0.1:${port}/oauth2/start?rd=%2Fslow-headers%3Fms%3D300`, username: 'alice', password: DEMO_PASSWORD });
      assert.equal(response.status, 302);
      // A request in flight when SIGTERM arrives still completes, then the process exits 0.
      const arrived = once(echo.events, 'request');
      const slow = client.request(`http://127.0.0.1:${port}/slow-headers?ms=300`);
      await arrived;
      p.child.kill('SIGTERM');
      assert.equal((await slow).status, 200);
      assert.equal(await p.exited, 0);
    } finally {
      p.child.kill('SIGKILL');
    }
  });

  it('runs from a TOML file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-cfg-'));
    const file = join(dir, 'oauth2_proxy.cfg');
    const e = env();
    writeFileSync(file, [
      `http_address = "127.0.0.1:${port}"`,
      'provider = "oidc"',
      `oidc_issuer_url = "${e.OAUTH2_PROXY_OIDC_ISSUER_URL}"`,
      'client_id = "proxy"',
      'client_secret = "proxy-secret"',
      `cookie_secret = "${TEST_COOKIE_SECRET}"`,
      'cookie_secure = false',
      'cookie_expire = "12h"',
      'email_domains = ["example.com"]',
      `upstreams = ["${echo.url}"]`,
      'ping_path = "/from-file"',
    ].join('\n'));
    const p = await startBin([`--config=${file}`], {}, / listening address=/);
    try {
      assert.equal((await fetch(`http://127.0.0.1:${port}/from-file`)).status, 200);
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    }
  });

  it('applies flag > environment > file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sidecar-cfg-'));
    const file = join(dir, 'oauth2_proxy.cfg');
    writeFileSync(file, 'ping_path = "/file-ping"\nready_path = "/file-ready"\n');
    const p = await startBin([`--config=${file}`, '--ping-path=/flag-ping'], { ...env(), OAUTH2_PROXY_PING_PATH: '/env-ping', OAUTH2_PROXY_READY_PATH: '/env-ready' }, / listening address=/);
    try {
      const status = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { accept: 'application/json' } })).status;
      assert.equal(await status('/flag-ping'), 200, 'flag wins over env and file');
      assert.equal(await status('/env-ping'), 401, 'env value overridden by the flag');
      assert.equal(await status('/env-ready'), 200, 'env wins over file');
      assert.equal(await status('/file-ready'), 401, 'file value overridden by env');
    } finally {
      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0);
    }
  });
});
