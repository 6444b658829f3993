// The policy file is watched like the configuration files: an edit takes effect without a restart,
// and an edit that does not compile is refused whole while the previous table keeps deciding.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient } from '../support/http-client.js';
import { startTestIdp, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { outputMatches, startBin, type Started } from '../support/spawn.js';

describe('--policy-file reload on change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-reload-'));
  const file = join(dir, 'policy.yaml');
  const write = (text: string) => {
    writeFileSync(file + '.new', text);
    renameSync(file + '.new', file);
  };
  let idp: DevIdp;
  let echo: EchoUpstream;
  let proxy: Started;
  let url: string;
  const status = async (path: string) => (await createClient().request(`${url}${path}`, { headers: { accept: 'application/json' } })).status;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    write('routes:\n  - { id: open, path: /a/, allowPublic: true }\n');
    proxy = await startBin([
      `--http-address=127.0.0.1:${port}`, `--upstream=${echo.url}`, '--provider=oidc', `--oidc-issuer-url=${idp.issuer}`,
      `--client-id=${TEST_CLIENT_ID}`, `--client-secret=${TEST_CLIENT_SECRET}`, `--cookie-secret=${TEST_COOKIE_SECRET}`,
      '--cookie-secure=false', '--email-domain=*', `--policy-file=${file}`, '--logging-format=json',
    ], {}, /"msg":"listening"/);
  });
  after(async () => {
    proxy?.child.kill('SIGTERM');
    await proxy?.exited;
    await echo?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies an edited table and refuses a broken one, keeping the last good table', async () => {
    assert.equal(await status('/a/x'), 200);
    assert.equal(await status('/b/x'), 403, 'no rule matches: denied by default');

    write('routes:\n  - { id: closed, path: /a/, deny: true }\n  - { id: open, path: /b/, allowPublic: true }\n');
    await outputMatches(proxy, /"msg":"configuration reloaded"/, 1);
    assert.equal(await status('/a/x'), 403);
    assert.equal(await status('/b/x'), 200);

    write('routes:\n  - { id: broken, pathRegex: "(a+)+$", allowPublic: true }\n');
    await outputMatches(proxy, /"msg":"configuration reload refused/, 1);
    assert.match(proxy.output(), /--policy-file: [^"]*policy\.yaml: routes\[0\]\.pathRegex/);
    assert.equal(await status('/a/x'), 403, 'the previous table still decides');
    assert.equal(await status('/b/x'), 200);
  });
});
