// Host-based routing through the real executable: an alpha file with `hosts:` entries in front of
// four echo upstreams, real sign-ins against the development OpenID Provider on two host names
// that both reach the loopback listener (localhost and 127.0.0.1), a wildcard and an unknown host
// reached with explicit Host headers, websockets, and a reload on file change and on SIGHUP.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startEchoUpstream, type EchoRequest, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn, type HttpClient } from '../support/http-client.js';
import { startTestIdp, DEMO_PASSWORD, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { outputMatches, startBin, type Started } from '../support/spawn.js';

/** The next request the upstream receives. */
function nextRequest(echo: EchoUpstream): Promise<EchoRequest> {
  return new Promise((resolve) => echo.events.once('request', resolve));
}

function setCookieNamed(list: string[], name: string): string {
  const found = list.find((c) => c.startsWith(`${name}=`));
  assert.ok(found, `no Set-Cookie for ${name} in ${JSON.stringify(list)}`);
  return found;
}

function openSocket(url: string, headers: Record<string, string>): Promise<{ handshake: { url: string; headers: Record<string, string> }; ws: WebSocket } | { status: number }> {
  const ws = new WebSocket(url, { headers });
  ws.on('error', () => {});
  return new Promise((resolve, reject) => {
    ws.once('message', (m) => resolve({ handshake: JSON.parse(m.toString()), ws }));
    ws.once('unexpected-response', (_req, res) => { resolve({ status: res.statusCode ?? 0 }); res.resume(); ws.terminate(); });
    ws.once('close', () => reject(new Error('closed before the handshake message')));
  });
}

describe('host-based routing (real executable, alpha hosts:)', () => {
  let idp: DevIdp;
  let echoA: EchoUpstream; // localhost
  let echoB: EchoUpstream; // 127.0.0.1
  let echoW: EchoUpstream; // *.apps.test
  let echoD: EchoUpstream; // every other host
  let proxy: Started;
  let port: number;
  let file: string;
  let clientA: HttpClient;
  let clientB: HttpClient;
  let cookieA = '';

  const yaml = (wildcard: string) => `
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
    - { id: default, path: /, uri: '${echoD.url}' }
hosts:
  - host: localhost
    upstreams:
      - { id: a, path: /, uri: '${echoA.url}' }
    cookie: { name: _host_a, sameSite: lax, expire: 1h, httpOnly: true }
  - host: 127.0.0.1
    upstreams:
      - { id: b, path: /, uri: '${echoB.url}' }
    cookie: { name: _host_b, sameSite: strict, expire: 2h, httpOnly: false, path: / }
  - host: '${wildcard}'
    upstreams:
      - { id: w, path: /, uri: '${echoW.url}' }
cookie_secret: ${TEST_COOKIE_SECRET}
cookie_secure: false
email_domains: ['*']
skip_auth_routes: ['^/public/']
logging_format: json
`;
  const write = (text: string) => {
    writeFileSync(file + '.new', text);
    renameSync(file + '.new', file);
  };
  /** A skip-auth request with an explicit Host header, to host names that do not resolve. */
  const publicAs = (host: string, path = '/public/x') => createClient().request(`http://127.0.0.1:${port}${path}`, { headers: { host } });

  before(async () => {
    idp = await startTestIdp();
    [echoA, echoB, echoW, echoD] = await Promise.all([startEchoUpstream(), startEchoUpstream(), startEchoUpstream(), startEchoUpstream()]);
    port = await freePort();
    file = join(mkdtempSync(join(tmpdir(), 'hosts-')), 'alpha.yaml');
    write(yaml('*.apps.test'));
    proxy = await startBin([`--alpha-config=${file}`], {}, /"msg":"listening"/);
    clientA = createClient();
    clientB = createClient();
  });
  after(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await Promise.all([echoA.close(), echoB.close(), echoW.close(), echoD.close()]);
    await idp.close();
  });

  it('signs in on each host with that host\'s cookie and reaches that host\'s upstream', async () => {
    const a = await signIn(clientA, { startUrl: `http://localhost:${port}/app`, username: 'alice', password: DEMO_PASSWORD });
    const setA = setCookieNamed(a.response.setCookies, '_host_a');
    assert.match(setA, /; Path=\//);
    assert.match(setA, /; Max-Age=3600\b|; Expires=/i);
    assert.match(setA, /; HttpOnly/i);
    assert.match(setA, /; SameSite=Lax/i);
    assert.ok(!a.response.setCookies.some((c) => c.startsWith('_host_b=') || c.startsWith('_oauth2_proxy=')), 'only host A\'s cookie is set');
    assert.ok(a.visited.some((u) => u.startsWith(`http://localhost:${port}/oauth2/callback`)), 'the callback came back to localhost');

    const b = await signIn(clientB, { startUrl: `http://127.0.0.1:${port}/app`, username: 'bob', password: DEMO_PASSWORD });
    const setB = setCookieNamed(b.response.setCookies, '_host_b');
    assert.match(setB, /; SameSite=Strict/i);
    assert.doesNotMatch(setB, /HttpOnly/i);
    assert.ok(b.visited.some((u) => u.startsWith(`http://127.0.0.1:${port}/oauth2/callback`)));

    const seenA = nextRequest(echoA);
    const resA = await clientA.request(`http://localhost:${port}/where?x=1`);
    assert.equal(resA.status, 200);
    const gotA = await seenA;
    assert.equal(gotA.url, '/where?x=1');
    assert.equal(gotA.headers.host, `localhost:${port}`);

    const seenB = nextRequest(echoB);
    const resB = await clientB.request(`http://127.0.0.1:${port}/where-b`);
    assert.equal(resB.status, 200);
    const gotB = await seenB;
    assert.equal(gotB.url, '/where-b');
    assert.equal(gotB.headers.host, `127.0.0.1:${port}`);
    assert.equal(echoA.requests.filter((r) => r.url === '/where-b').length, 0, 'host B\'s request never reached upstream A');
    assert.equal(echoB.requests.filter((r) => r.url === '/where?x=1').length, 0);
    cookieA = clientA.cookieHeader(`http://localhost:${port}/`);
    assert.match(cookieA, /_host_a=/);
  });

  it('does not accept host A\'s session cookie on host B', async () => {
    const before = echoB.requests.length;
    const res = await createClient().request(`http://127.0.0.1:${port}/stolen`, { headers: { cookie: cookieA, accept: 'application/json' } });
    assert.equal(res.status, 401);
    assert.equal(echoB.requests.length, before, 'nothing reached upstream B');
    // The same cookie on its own host still works.
    assert.equal((await createClient().request(`http://localhost:${port}/own`, { headers: { cookie: cookieA } })).status, 200);
  });

  it('routes a wildcard host to its upstreams and unknown hosts to the default ones', async () => {
    const w = nextRequest(echoW);
    assert.equal((await publicAs(`x.apps.test:${port}`)).status, 200);
    assert.equal((await w).headers.host, `x.apps.test:${port}`);
    const deep = nextRequest(echoW);
    assert.equal((await publicAs('a.b.APPS.test', '/public/deep')).status, 200);
    assert.equal((await deep).url, '/public/deep');

    const d = nextRequest(echoD);
    assert.equal((await publicAs('nobody.example', '/public/d')).status, 200);
    assert.equal((await d).headers.host, 'nobody.example');
    const bare = nextRequest(echoD);
    assert.equal((await publicAs('apps.test', '/public/bare')).status, 200, 'a wildcard does not cover its bare suffix');
    assert.equal((await bare).url, '/public/bare');
  });

  it('ignores X-Forwarded-Host from a peer --reverse-proxy does not trust', async () => {
    const b = nextRequest(echoB);
    const res = await createClient().request(`http://127.0.0.1:${port}/public/fwd`, { headers: { 'x-forwarded-host': 'localhost' } });
    assert.equal(res.status, 200);
    assert.equal((await b).url, '/public/fwd', 'routed by Host (127.0.0.1), not by the client-supplied X-Forwarded-Host');
    assert.equal(echoA.requests.filter((r) => r.url === '/public/fwd').length, 0);
  });

  it('routes websocket upgrades by host', async () => {
    const a = await openSocket(`ws://localhost:${port}/sock-a`, { cookie: cookieA });
    assert.ok('handshake' in a, `upgrade on host A answered ${'status' in a ? a.status : ''}`);
    assert.equal(a.handshake.url, '/sock-a');
    assert.ok(echoA.requests.some((r) => r.upgrade && r.url === '/sock-a'));
    a.ws.close();

    const w = await openSocket(`ws://127.0.0.1:${port}/public/sock-w`, { host: 'ws.apps.test' });
    assert.ok('handshake' in w);
    assert.equal(w.handshake.url, '/public/sock-w');
    assert.ok(echoW.requests.some((r) => r.upgrade && r.url === '/public/sock-w'));
    w.ws.close();

    const refused = await openSocket(`ws://127.0.0.1:${port}/sock-b`, { cookie: cookieA });
    assert.deepEqual(refused, { status: 401 }, 'host A\'s cookie opens no websocket on host B');
    assert.ok(!echoB.requests.some((r) => r.url === '/sock-b'));
  });

  it('reloads host entries on file change and on SIGHUP', async () => {
    write(yaml('*.other.test'));
    await outputMatches(proxy, /"msg":"configuration reloaded"/);
    const w = nextRequest(echoW);
    assert.equal((await publicAs('x.other.test', '/public/after-reload')).status, 200);
    assert.equal((await w).url, '/public/after-reload');
    const d = nextRequest(echoD);
    assert.equal((await publicAs('x.apps.test', '/public/old-wildcard')).status, 200);
    assert.equal((await d).url, '/public/old-wildcard', 'the removed wildcard now falls to the default upstreams');

    proxy.child.kill('SIGHUP');
    await outputMatches(proxy, /"msg":"configuration reloaded".*"trigger":"SIGHUP"/);
    const a = nextRequest(echoA);
    assert.equal((await clientA.request(`http://localhost:${port}/after-sighup`)).status, 200, 'host A\'s session survives the reload');
    assert.equal((await a).url, '/after-sighup');
    assert.equal(proxy.child.exitCode, null);
    assert.doesNotMatch(proxy.output(), /configuration reload refused/);
  });
});

describe('host-based routing (real executable, --upstream=<host>=<url>)', () => {
  let idp: DevIdp;
  let echoA: EchoUpstream;
  let echoD: EchoUpstream;
  let proxy: Started;
  let port: number;

  before(async () => {
    idp = await startTestIdp();
    [echoA, echoD] = await Promise.all([startEchoUpstream(), startEchoUpstream()]);
    port = await freePort();
    proxy = await startBin([
      '--provider=oidc', `--oidc-issuer-url=${idp.issuer}`, '--client-id=proxy', '--client-secret=proxy-secret',
      `--cookie-secret=${TEST_COOKIE_SECRET}`, '--cookie-secure=false', '--email-domain=*', '--logging-format=json',
      `--http-address=127.0.0.1:${port}`, `--upstream=${echoD.url}`, `--upstream=localhost=${echoA.url}/`,
    ], {}, /"msg":"listening"/);
  });
  after(async () => {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    await Promise.all([echoA.close(), echoD.close()]);
    await idp.close();
  });

  it('sends each host to its upstream after one sign-in per host', async () => {
    const onA = createClient();
    await signIn(onA, { startUrl: `http://localhost:${port}/`, username: 'alice', password: DEMO_PASSWORD });
    const a = nextRequest(echoA);
    assert.equal((await onA.request(`http://localhost:${port}/flag-a`)).status, 200);
    assert.equal((await a).url, '/flag-a');

    const onD = createClient();
    await signIn(onD, { startUrl: `http://127.0.0.1:${port}/`, username: 'alice', password: DEMO_PASSWORD });
    const d = nextRequest(echoD);
    assert.equal((await onD.request(`http://127.0.0.1:${port}/flag-d`)).status, 200);
    assert.equal((await d).url, '/flag-d');
    assert.ok(!echoA.requests.some((r) => r.url === '/flag-d'));
    assert.ok(!echoD.requests.some((r) => r.url === '/flag-a'));
  });
});
