// A real Caddy in front of the echo upstream, asking the proxy through forward_auth. The Caddyfile
// is the block docs/gateways.md shows, read from that page with its three addresses swapped for
// loopback ports, so the documented configuration is the tested one.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { header, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD } from '../support/idp.js';
import { projectRoot } from '../support/paths.js';
import { startStack, type Stack } from '../support/stack.js';

/** The site block's body from the Caddy section of docs/gateways.md, pointed at the test's ports. */
function documentedSiteBody(proxyPort: number, echoPort: number): string {
  const page = readFileSync(join(projectRoot(), 'docs', 'gateways.md'), 'utf8');
  const section = page.slice(page.indexOf('## Caddy'));
  const block = /```caddyfile\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'docs/gateways.md has a caddyfile block under "## Caddy"');
  const lines = block.trimEnd().split('\n');
  assert.equal(lines[0], 'app.example.com {', 'the documented block is one site');
  assert.equal(lines.at(-1), '}');
  let body = lines.slice(1, -1).join('\n');
  for (const [from, to] of [['oauth2-sidecar:4180', `127.0.0.1:${proxyPort}`], ['app:8080', `127.0.0.1:${echoPort}`]] as const) {
    assert.ok(body.includes(from), `the documented block names ${from}`);
    body = body.split(from).join(to);
  }
  return body;
}

interface Seen {
  url: string;
  headers: Record<string, string>;
}

describe('Caddy forward_auth in front of the echo upstream', () => {
  let s: Stack;
  let caddy: RunningCaddy;
  before(async () => {
    s = await startStack({ args: ['--reverse-proxy=true', '--trusted-proxy-ip=127.0.0.1', '--set-xauthrequest=true'] });
    caddy = await startCaddy(() => documentedSiteBody(s.proxy.port, s.echo.port));
  });
  after(async () => {
    await caddy?.close();
    await s?.close();
  });

  it('sends an anonymous request to the sign-in, and the upstream sees nothing of it', async () => {
    const before = s.echo.requests.length;
    const r = await s.newClient().request(`${caddy.url}/page?a=1`, { headers: { 'X-Auth-Request-User': 'mallory' } });
    assert.equal(r.status, 302, caddy.output());
    assert.equal(header(r, 'location'), '/oauth2/start?rd=/page?a=1');
    // {uri} is not escaped: a second query parameter becomes a parameter of /oauth2/start (documented).
    const two = await s.newClient().request(`${caddy.url}/page?a=1&b=2`);
    assert.equal(header(two, 'location'), '/oauth2/start?rd=/page?a=1&b=2');
    // API-style clients that never follow the redirect get no content either.
    const post = await s.newClient().request(`${caddy.url}/submit`, { method: 'POST', body: 'x=1' });
    assert.equal(post.status, 302);
    assert.equal(s.echo.requests.length, before, 'the upstream was reached without a session');
  });

  it('signs in through Caddy and passes the identity to the upstream', async () => {
    const client = s.newClient();
    const { response: callback, visited } = await signIn(client, { startUrl: `${caddy.url}/page?a=1`, username: 'alice', password: DEMO_PASSWORD });
    // The whole round trip stayed on Caddy's origin except the provider's own pages.
    assert.ok(visited.some((u) => u.startsWith(`${caddy.url}/oauth2/start?rd=`)), visited.join('\n'));
    assert.ok(visited.some((u) => u.startsWith(`${caddy.url}/oauth2/callback?`)), visited.join('\n'));
    assert.equal(callback.status, 302);
    assert.equal(header(callback, 'location'), '/page?a=1');
    assert.ok(callback.setCookies.some((c) => c.startsWith('_oauth2_proxy=')), 'session cookie set through Caddy');

    const page = await client.request(`${caddy.url}/page?a=1`);
    assert.equal(page.status, 200, caddy.output());
    const seen = JSON.parse(page.body) as Seen;
    assert.equal(seen.url, '/page?a=1');
    assert.equal(seen.headers['x-auth-request-user'], 'alice');
    assert.equal(seen.headers['x-auth-request-email'], 'alice@example.com');
    assert.equal(seen.headers['x-auth-request-groups'], 'admins,developers');
  });

  it('never lets a client-sent identity header reach the upstream', async () => {
    const client = s.newClient();
    await signIn(client, { startUrl: `${caddy.url}/`, username: 'bob', password: DEMO_PASSWORD });
    const spoofed = { 'X-Auth-Request-User': 'mallory', 'X-Auth-Request-Email': 'mallory@example.com', 'X-Auth-Request-Groups': 'admins' };
    const page = await client.request(`${caddy.url}/spoof`, { headers: spoofed });
    assert.equal(page.status, 200, caddy.output());
    const seen = JSON.parse(page.body) as Seen;
    assert.equal(seen.headers['x-auth-request-user'], 'bob');
    assert.equal(seen.headers['x-auth-request-email'], 'bob@example.com');
    assert.equal(seen.headers['x-auth-request-groups'], 'developers');
    const raw = s.echo.requests.at(-1)!.rawHeaders.join('\n');
    assert.doesNotMatch(raw, /mallory/);
  });
});
