import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient } from '../support/http-client.js';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { startBin, type Started } from '../support/spawn.js';

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('configuration reload (real executable)', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let proxy: Started;
  let file: string;
  let base: string;

  const toml = (pingPath: string, cookieSecret = TEST_COOKIE_SECRET) => `
http_address = "${base.replace('http://', '')}"
provider = "oidc"
oidc_issuer_url = "${idp.issuer}"
client_id = "proxy"
client_secret = "proxy-secret"
cookie_secret = "${cookieSecret}"
cookie_secure = false
email_domains = ["*"]
upstreams = ["${echo.url}"]
logging_format = "json"
ping_path = "${pingPath}"
`;
  const write = (text: string) => {
    // A ConfigMap update replaces the file; it is never edited in place.
    writeFileSync(file + '.new', text);
    renameSync(file + '.new', file);
  };
  const status = async (path: string) => (await createClient().request(`${base}${path}`, { headers: { accept: 'application/json' } })).status;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
    base = `http://127.0.0.1:${await freePort()}`;
    file = join(mkdtempSync(join(tmpdir(), 'reload-')), 'oauth2-proxy.cfg');
    writeFileSync(file, toml('/ping-a'));
    proxy = await startBin([`--config=${file}`], {}, /"msg":"listening"/);
  });
  after(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await echo.close();
    await idp.close();
  });

  it('applies a changed file without a restart', async () => {
    assert.equal(await status('/ping-a'), 200);
    write(toml('/ping-b'));
    await until('the new ping path', async () => (await status('/ping-b')) === 200);
    assert.equal(await status('/ping-a'), 401, 'the old path is an ordinary protected path now');
    assert.match(proxy.output(), /"msg":"configuration reloaded".*"trigger":"file changed: oauth2-proxy\.cfg"/);
  });

  it('refuses an invalid file with a clear log line and keeps serving the previous configuration', async () => {
    write(toml('/ping-c', 'short'));
    await until('the refusal', () => /configuration reload refused/.test(proxy.output()));
    assert.match(proxy.output(), /"msg":"configuration reload refused; the current configuration keeps serving".*--cookie-secret: must be 16, 24 or 32 bytes/);
    assert.doesNotMatch(proxy.output(), /"short"|proxy-secret/, 'no secret in the log');
    assert.equal(await status('/ping-b'), 200);
    assert.equal(await status('/ping-c'), 401);
  });

  it('reloads on SIGHUP', async () => {
    write(toml('/ping-b'));
    await until('the repaired file to be seen', () => (proxy.output().match(/"msg":"configuration reloaded"/g) ?? []).length >= 2);
    proxy.child.kill('SIGHUP');
    await until('the SIGHUP reload', () => /"msg":"configuration reloaded".*"trigger":"SIGHUP"/.test(proxy.output()));
    assert.equal(await status('/ping-b'), 200);
    assert.equal(proxy.child.exitCode, null, 'still running');
  });
});
