import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { startOpsProxy, type OpsProxy } from '../ops/harness.js';

describe('alpha configuration end to end', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let proxy: OpsProxy;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
    const file = join(mkdtempSync(join(tmpdir(), 'alpha-e2e-')), 'oauth2-proxy.yaml');
    writeFileSync(file, `
server:
  bindAddress: 127.0.0.1:0
upstreamConfig:
  upstreams:
    - { id: echo, path: /, uri: "\${UPSTREAM}" }
injectRequestHeaders:
  - name: X-Email
    values: [ { claimSource: { claim: email, prefix: "user:" } } ]
  - name: X-Tenant
    values: [ { secretSource: { value: YWNtZQ== } } ]
providers:
  - provider: oidc
    clientID: proxy
    clientSecret: proxy-secret
    oidcConfig: { issuerURL: "\${ISSUER}" }
cookie_secret: "\${COOKIE_SECRET}"
cookie_secure: false
email_domains: ["*"]
`);
    proxy = await startOpsProxy([`--alpha-config=${file}`], { env: { UPSTREAM: echo.url, ISSUER: idp.issuer, COOKIE_SECRET: TEST_COOKIE_SECRET } });
  });
  after(async () => {
    await proxy.close();
    await echo.close();
    await idp.close();
  });

  it('injects the configured headers after removing client-sent copies, and routes to the alpha upstream', async () => {
    const client = createClient();
    await signIn(client, { startUrl: `${proxy.serving.url}/oauth2/start?rd=%2F`, username: 'alice', password: DEMO_PASSWORD });
    const r = await client.request(`${proxy.serving.url}/echo`, { headers: { 'X-Email': 'spoofed', 'x_tenant': 'spoofed', 'X-Forwarded-Email': 'spoofed' } });
    assert.equal(r.status, 200);
    const seen = JSON.parse(r.body) as { rawHeaders: string[] };
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < seen.rawHeaders.length; i += 2) pairs.push([(seen.rawHeaders[i] as string).toLowerCase(), seen.rawHeaders[i + 1] as string]);
    assert.deepEqual(pairs.filter(([k]) => k === 'x-email'), [['x-email', 'user:alice@example.com']]);
    assert.deepEqual(pairs.filter(([k]) => k === 'x-tenant' || k === 'x_tenant'), [['x-tenant', 'acme']]);
    assert.deepEqual(pairs.filter(([k]) => k === 'x-forwarded-email'), []);
  });
});
