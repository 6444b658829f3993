// Host-based routing with Redis sessions: each host keeps its sessions under its own cookie name,
// yet a sign-out of every session (--sign-out-all-sessions) on one host ends the user's sessions
// on the other hosts too; and each host gets its own rules from the policy file's host matches.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn, type HttpClient } from '../support/http-client.js';
import { startTestIdp, DEMO_PASSWORD, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startBin, type Started } from '../support/spawn.js';

describe('host-based routing with Redis sessions', () => {
  let idp: DevIdp;
  let redis: RedisServer;
  let echoA: EchoUpstream;
  let echoB: EchoUpstream;
  let proxy: Started;
  let port: number;

  before(async () => {
    idp = await startTestIdp();
    redis = await startRedis();
    [echoA, echoB] = await Promise.all([startEchoUpstream(), startEchoUpstream()]);
    port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'hosts-redis-'));
    const file = join(dir, 'alpha.yaml');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, `
routes:
  - id: b-admin
    host: 127.0.0.1
    path: /admin/
    allow: { groups: [admins] }
  - id: signed-in
    allow: { authenticated: true }
`);
    writeFileSync(file, `
providers:
  - id: idp
    provider: oidc
    clientID: proxy
    clientSecret: proxy-secret
    oidcConfig:
      issuerURL: ${idp.issuer}
server:
  bindAddress: 127.0.0.1:${port}
upstreamConfig:
  upstreams:
    - { id: default, path: /, uri: '${echoA.url}' }
hosts:
  - host: localhost
    upstreams:
      - { id: a, path: /, uri: '${echoA.url}' }
    cookie: { name: _host_a }
  - host: 127.0.0.1
    upstreams:
      - { id: b, path: /, uri: '${echoB.url}' }
    cookie: { name: _host_b }
cookie_secret: ${TEST_COOKIE_SECRET}
cookie_secure: false
email_domains: ['*']
session_store_type: redis
redis_connection_url: ${redis.url}
sign_out_all_sessions: true
policy_file: ${policy}
logging_format: json
`);
    proxy = await startBin([`--alpha-config=${file}`], {}, /"msg":"listening"/);
  });
  after(async () => {
    proxy?.child.kill('SIGTERM');
    await proxy?.exited;
    await Promise.all([echoA?.close(), echoB?.close()]);
    await idp?.close();
    await redis?.stop();
  });

  it('ends the user\'s sessions on every host when they sign out of all sessions on one', async () => {
    const onA: HttpClient = createClient();
    const onB: HttpClient = createClient();
    await signIn(onA, { startUrl: `http://localhost:${port}/a`, username: 'alice', password: DEMO_PASSWORD });
    await signIn(onB, { startUrl: `http://127.0.0.1:${port}/b`, username: 'alice', password: DEMO_PASSWORD });
    const json = { accept: 'application/json' };
    assert.equal((await onA.request(`http://localhost:${port}/a`, { headers: json })).status, 200);
    assert.equal((await onB.request(`http://127.0.0.1:${port}/b`, { headers: json })).status, 200);
    const cookieB = onB.cookieHeader(`http://127.0.0.1:${port}/`);
    assert.match(cookieB, /_host_b=/);

    const out = await onA.request(`http://localhost:${port}/oauth2/sign_out`);
    assert.equal(out.status, 302);
    const replay = await createClient().request(`http://127.0.0.1:${port}/b`, { headers: { ...json, cookie: cookieB } });
    assert.equal(replay.status, 401, 'the session on the other host ended too');
  });

  it('applies each host\'s rules from the policy file', async () => {
    const onA: HttpClient = createClient();
    const onB: HttpClient = createClient();
    await signIn(onA, { startUrl: `http://localhost:${port}/admin/x`, username: 'bob', password: DEMO_PASSWORD });
    await signIn(onB, { startUrl: `http://127.0.0.1:${port}/admin/x`, username: 'bob', password: DEMO_PASSWORD });
    const seen = echoB.requests.length;
    assert.equal((await onB.request(`http://127.0.0.1:${port}/admin/x`)).status, 403, 'host B keeps /admin/ for admins');
    assert.equal(echoB.requests.length, seen, 'nothing reached upstream B');
    assert.equal((await onB.request(`http://127.0.0.1:${port}/other`)).status, 200);
    assert.equal((await onA.request(`http://localhost:${port}/admin/x`)).status, 200, 'host A has no such rule');
  });
});
