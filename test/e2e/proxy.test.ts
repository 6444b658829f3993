// Proxying for a signed-in user: bodies streamed, websockets, upstream failures, redirect safety.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { fixture } from '../support/paths.js';
import { REFUSED_PORT } from '../support/ports.js';
import { startStack, type Stack } from '../support/stack.js';

describe('proxying a signed-in user', () => {
  let s: Stack;
  let cookie: string;
  before(async () => {
    s = await startStack({ args: ['--whitelist-domain=.example.com', '--whitelist-domain=app.example.org:8443'] });
    const client = s.newClient();
    await s.signIn(client, 'alice');
    cookie = client.cookieHeader(s.proxy.url);
  });
  after(() => s.close());

  it('streams a 1 MiB upload to the upstream unchanged', async () => {
    const body = randomBytes(1024 * 1024);
    const seen = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpRequest(`${s.proxy.url}/upload`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      // Sent in 64 KiB pieces with chunked encoding: the proxy must stream, not wait for a length.
      for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536));
      req.end();
    });
    assert.equal(seen.method, 'POST');
    assert.equal(seen.bodyLength, body.length);
    assert.equal(seen.bodySha256, createHash('sha256').update(body).digest('hex'));
  });

  it('forwards path and query byte for byte', async () => {
    // Sent with node:http, which (unlike WHATWG URL based clients) leaves dot segments alone.
    for (const target of ['/a%2Fb/./c/%7E?x=1&x=2&y=%20&z=a+b', '/x/../y//z?q=%2F%2E%2E', '/%E2%9C%93?emoji=%F0%9F%98%80']) {
      const seen = await new Promise<{ url: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: s.proxy.port, path: target, headers: { cookie } }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve(JSON.parse(text)));
        });
        req.on('error', reject);
        req.end();
      });
      assert.equal(seen.url, target);
    }
  });

  it('proxies a websocket with the identity, without spoofed headers', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.proxy.port}/socket`, { headers: { cookie, 'X-Forwarded-User': 'mallory', x_auth_request_user: 'mallory' } });
    const messages: string[] = [];
    const handshake = await new Promise<Record<string, any>>((resolve, reject) => {
      ws.once('message', (m) => resolve(JSON.parse(m.toString())));
      ws.once('error', reject);
    });
    assert.equal(handshake.headers['x-forwarded-user'], 'alice');
    assert.equal(handshake.headers['x-auth-request-user'], undefined);
    assert.ok(!JSON.stringify(handshake.rawHeaders).includes('mallory'));
    ws.send('ping-1');
    messages.push((await new Promise<Buffer>((resolve) => ws.once('message', resolve))).toString());
    assert.deepEqual(messages, ['ping-1']);
    ws.close();
  });

  it('refuses a websocket without a session', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.proxy.port}/socket`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    assert.equal(status, 401);
  });

  it('honours whitelisted absolute redirects and X-Auth-Request-Redirect', async () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['rd=https%3A%2F%2Fapp.example.com%2Fx', {}, 'https://app.example.com/x'],
      ['rd=https%3A%2F%2Fexample.com%2F', {}, 'https://example.com/'],
      ['rd=https%3A%2F%2Fapp.example.org%3A8443%2F', {}, 'https://app.example.org:8443/'],
      ['rd=https%3A%2F%2Fapp.example.org%2F', {}, '/'],
      ['rd=https%3A%2F%2Fexample.com.evil.io%2F', {}, '/'],
      ['', { 'X-Auth-Request-Redirect': 'https://a.example.com/back' }, 'https://a.example.com/back'],
      ['', { 'X-Auth-Request-Redirect': '//evil.io/' }, '/'],
    ];
    for (const [query, headers, want] of cases) {
      const r = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_out?${query}`, { headers });
      assert.equal(r.headers.location, want, `${query} ${JSON.stringify(headers)}`);
    }
  });
});

describe('open redirects', () => {
  // oauth2-proxy's own test whitelist, under which every line of its corpus must be refused.
  const WHITELIST = ['foo.bar', '.bar.foo', 'port.bar:8080', '.sub.port.bar:8080', 'anyport.bar:*', '.sub.anyport.bar:*', 'www.whitelisteddomain.tld', '*.wildcard.sub.port.bar:8080', '*.wildcard.sub.anyport.bar:*', '*.wildcard.bar', '*.wildcard.proxy.foo.bar'];
  let s: Stack;
  before(async () => {
    s = await startStack({ args: WHITELIST.map((w) => `--whitelist-domain=${w}`) });
  });
  after(() => s.close());

  it('every open-redirect case of oauth2-proxy ends on a same-origin location', async () => {
    const lines = readFileSync(fixture('oauth2-proxy-openredirects.txt'), 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    assert.equal(lines.length, 559);
    for (const line of lines) {
      for (const endpoint of ['sign_out', 'start']) {
        const r = await s.anonymous.request(`${s.proxy.url}/oauth2/${endpoint}?rd=${line}`);
        assert.equal(r.status, 302, `${endpoint} ${line}`);
        const location = r.headers.location as string;
        if (endpoint === 'sign_out') {
          assert.ok(location.startsWith('/') && !location.startsWith('//') && !location.startsWith('/\\'), `${line} → ${location}`);
        } else {
          const state = new URL(location).searchParams.get('state') ?? '';
          const target = state.slice(state.indexOf(':') + 1);
          assert.ok(target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\'), `${line} → ${target}`);
        }
      }
    }
  });


  it('keeps control and non-ASCII characters of a valid target without breaking the Location header', async () => {
    const cases: Array<[string, string]> = [
      ['%2Ffoo%0D%0ASet-Cookie%3A%20x%3D1', '/foo%0D%0ASet-Cookie:%20x=1'],
      ['%2Fcaf%C3%A9', '/caf%C3%A9'],
      ['%2Fa%00b', '/a%00b'],
    ];
    for (const [rd, want] of cases) {
      const r = await s.anonymous.request(`${s.proxy.url}/oauth2/sign_out?rd=${rd}`);
      assert.equal(r.status, 302, rd);
      assert.equal(r.headers.location, want);
      assert.equal(r.headers['set-cookie'] === undefined || !String(r.headers['set-cookie']).includes('x=1'), true);
    }
  });
});

describe('upstream failures', () => {
  it('answers 502 with a page showing a request id when the upstream is down', async () => {
    const deadPort = REFUSED_PORT;
    const s = await startStack({ upstream: `http://127.0.0.1:${deadPort}` });
    try {
      const client = s.newClient();
      const { response } = await s.signIn(client, 'alice');
      assert.equal(response.status, 502);
      assert.match(response.headers['content-type'] as string, /text\/html/);
      assert.match(response.body, /request id/i);
      assert.doesNotMatch(response.body, /ECONNREFUSED|at .*\.js:\d+/, 'no internals');
      const json = await client.request(`${s.proxy.url}/api`, { headers: { accept: 'application/json' } });
      assert.equal(json.status, 502);
      assert.equal(JSON.parse(json.body).code, 'UPSTREAM_UNREACHABLE');
    } finally {
      await s.close();
    }
  });

  it('answers 504 when the upstream is slower than --upstream-timeout', async () => {
    const s = await startStack({ args: ['--upstream-timeout=300ms'] });
    try {
      const client = s.newClient();
      await s.signIn(client, 'alice');
      const r = await client.request(`${s.proxy.url}/slow-headers?ms=3000`, { headers: { accept: 'application/json' } });
      assert.equal(r.status, 504);
    } finally {
      await s.close();
    }
  });
});
