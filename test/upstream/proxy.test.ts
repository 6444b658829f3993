import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isProxyError } from '../../src/errors.js';
import { startEchoUpstream, type EchoRequest, type EchoUpstream } from '../support/echo-upstream.js';
import { closedPort, json, request, SESSION, startHarness, type Harness, type HarnessOptions } from './harness.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './tls-fixture.js';

type Echo = EchoRequest;

let echo: EchoUpstream;
before(async () => {
  echo = await startEchoUpstream();
});
after(async () => {
  await echo.close();
});

async function withHarness(o: Partial<HarnessOptions>, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = await startHarness({ upstreams: [echo.url], ...o });
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** The next event whose first argument satisfies pred. */
function waitFor<T>(em: EventEmitter, event: string, pred: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const on = (v: T) => {
      if (!pred(v)) return;
      em.off(event, on);
      resolve(v);
    };
    em.on(event, on);
  });
}

async function listen(server: http.Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stop(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe('request forwarding', () => {
  const targets = [
    '/a%2Fb/../c?x=1&x=2&y=%20',
    '//double//slashes/',
    '/./dot/%2e%2e/x',
    '/semi;colon?q=a;b',
    '/?',
    '/plus+sign?a+b=c%2Bd&&',
    '/%7Euser/%E2%82%AC',
  ];
  for (const path of targets) {
    test(`path and query are forwarded byte for byte: ${path}`, () =>
      withHarness({}, async (h) => {
        const r = await request(h.url, { path });
        assert.equal(r.status, 200);
        assert.equal(json<Echo>(r).url, path);
      }));
  }

  test('an absolute-form target is forwarded as its path only', () =>
    withHarness({}, async (h) => {
      const sock = net.connect(h.port, '127.0.0.1');
      sock.write('GET http://evil.example/abs?x=1 HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
      const chunks: Buffer[] = [];
      sock.on('data', (c: Buffer) => chunks.push(c));
      await once(sock, 'close');
      const text = Buffer.concat(chunks).toString();
      assert.match(text, /^HTTP\/1\.1 200/);
      const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Echo;
      assert.equal(body.url, '/abs?x=1');
      assert.equal(body.headers.host, 'app.example.com');
    }));

  test('method, small body and content type arrive unchanged', () =>
    withHarness({}, async (h) => {
      const body = '{"hello":"world"}';
      const r = await request(h.url, { method: 'PATCH', path: '/x', headers: { 'Content-Type': 'application/json' }, body });
      const e = json<Echo>(r);
      assert.equal(e.method, 'PATCH');
      assert.equal(e.bodyLength, body.length);
      assert.equal(e.bodySha256, createHash('sha256').update(body).digest('hex'));
      assert.equal(e.headers['content-type'], 'application/json');
      assert.equal(e.headers['content-length'], String(body.length));
    }));

  test('an empty POST keeps its Content-Length: 0', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { method: 'POST', path: '/empty', headers: { 'Content-Length': '0' } });
      const e = json<Echo>(r);
      assert.equal(e.bodyLength, 0);
      assert.equal(e.headers['content-length'], '0');
      assert.equal(e.headers['transfer-encoding'], undefined);
    }));

  test('a 1 MiB upload arrives intact', () =>
    withHarness({}, async (h) => {
      const body = randomBytes(1024 * 1024);
      const r = await request(h.url, { method: 'PUT', path: '/upload', body, headers: { 'Content-Length': String(body.length) } });
      const e = json<Echo>(r);
      assert.equal(e.bodyLength, body.length);
      assert.equal(e.bodySha256, createHash('sha256').update(body).digest('hex'));
    }));

  test('a chunked 1 MiB upload arrives intact', () =>
    withHarness({}, async (h) => {
      const body = randomBytes(1024 * 1024);
      const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/chunked', agent: false });
      for (let i = 0; i < body.length; i += 100_000) req.write(body.subarray(i, i + 100_000));
      req.end();
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const e = JSON.parse(Buffer.concat(chunks).toString()) as Echo;
      assert.equal(e.headers['transfer-encoding'], 'chunked');
      assert.equal(e.bodyLength, body.length);
      assert.equal(e.bodySha256, createHash('sha256').update(body).digest('hex'));
    }));

  test('an upload with Expect: 100-continue goes through', () =>
    withHarness({}, async (h) => {
      const body = randomBytes(256 * 1024);
      const req = http.request({
        host: '127.0.0.1',
        port: h.port,
        method: 'POST',
        path: '/expect',
        agent: false,
        headers: { Expect: '100-continue', 'Content-Length': String(body.length) },
      });
      req.once('continue', () => req.end(body));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      const e = JSON.parse(Buffer.concat(chunks).toString()) as Echo;
      assert.equal(res.statusCode, 200);
      assert.equal(e.headers.expect, undefined);
      assert.equal(e.bodySha256, createHash('sha256').update(body).digest('hex'));
    }));

  test('the upload is streamed: the upstream reads the start before the client sends the rest', async () => {
    let firstChunk!: () => void;
    const arrived = new Promise<void>((resolve) => (firstChunk = resolve));
    const up = http.createServer((req, res) => {
      let n = 0;
      req.once('data', () => firstChunk());
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () => res.end(String(n)));
    });
    const upUrl = await listen(up);
    const h = await startHarness({ upstreams: [upUrl] });
    try {
      const half = 512 * 1024;
      const req = http.request({ host: '127.0.0.1', port: h.port, method: 'POST', path: '/', agent: false, headers: { 'Content-Length': String(2 * half) } });
      req.write(Buffer.alloc(half, 1));
      await arrived;
      req.end(Buffer.alloc(half, 2));
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      let text = '';
      for await (const c of res) text += String(c);
      assert.equal(text, String(2 * half));
    } finally {
      await h.close();
      await stop(up);
    }
  });

  test('keep-alive: consecutive requests reuse one upstream connection', () =>
    withHarness({}, async (h) => {
      const before = echo.connectionCount();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push(json<Echo>(await request(h.url, { path: `/ka/${i}` })).connectionId);
      assert.equal(new Set(ids).size, 1, `connections used: ${ids.join(',')}`);
      assert.equal(echo.connectionCount() - before, 1);
    }));

  test('a large request header is forwarded', () =>
    withHarness({}, async (h) => {
      const big = 'v'.repeat(40 * 1024);
      const r = await request(h.url, { path: '/big', headers: { 'X-Big': big } });
      assert.equal(json<Echo>(r).headers['x-big'], big);
    }));
});

describe('headers seen by the upstream', () => {
  test('identity is injected, spoofed identity and own cookies are not forwarded', () =>
    withHarness({ session: SESSION }, async (h) => {
      const r = await request(h.url, {
        path: '/me',
        headers: [
          'X-Forwarded-User', 'root',
          'x_forwarded_user', 'root',
          'X-Forwarded-Email', 'root@example.com',
          'X-Auth-Request-Email', 'root@example.com',
          'x_auth_request_email', 'root@example.com',
          'GAP-Auth', 'root',
          'Cookie', 'theme=dark; _oauth2_proxy=session-secret; _oauth2_proxy_csrf=c',
        ],
      });
      const e = json<Echo>(r);
      assert.equal(e.headers['x-forwarded-user'], 'alice-sub');
      assert.equal(e.headers['x-forwarded-email'], 'alice@example.com');
      assert.equal(e.headers['x-forwarded-groups'], 'admins,devs');
      assert.equal(e.headers['x-forwarded-preferred-username'], 'alice');
      assert.equal(e.headers.cookie, 'theme=dark');
      for (let i = 0; i < e.rawHeaders.length; i += 2) {
        const n = e.rawHeaders[i].toLowerCase();
        assert.ok(!n.includes('_'), `underscore header ${n} leaked`);
        assert.ok(!n.startsWith('x-auth-request-') && n !== 'gap-auth', `${n} leaked`);
        assert.notEqual(e.rawHeaders[i + 1], 'root');
      }
    }));

  test('anonymous requests are stripped too', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { headers: ['X-Forwarded-User', 'root', 'X_Auth_Request_User', 'root', 'Cookie', '_oauth2_proxy=x'] });
      const e = json<Echo>(r);
      assert.equal(e.headers['x-forwarded-user'], undefined);
      assert.equal(e.headers['x-auth-request-user'], undefined);
      assert.equal(e.headers.cookie, undefined);
    }));

  test('set-xauthrequest also sends X-Auth-Request-* to the upstream', () =>
    withHarness({ session: SESSION, identity: { setXAuthRequest: true } }, async (h) => {
      const e = json<Echo>(await request(h.url, { headers: { 'X-Auth-Request-User': 'root' } }));
      assert.equal(e.headers['x-auth-request-user'], 'alice-sub');
      assert.equal(e.headers['x-auth-request-email'], 'alice@example.com');
      assert.equal(e.headers['x-auth-request-preferred-username'], 'alice');
    }));

  test('a claim with CR/LF is dropped instead of injected', () =>
    withHarness({ session: { ...SESSION, user: 'eve\r\nX-Evil: 1', email: 'eve@example.com\n' } }, async (h) => {
      const e = json<Echo>(await request(h.url));
      assert.equal(e.headers['x-forwarded-user'], undefined);
      assert.equal(e.headers['x-forwarded-email'], undefined);
      assert.equal(e.headers['x-evil'], undefined);
      assert.equal(e.headers['x-forwarded-groups'], 'admins,devs');
    }));

  test('X-Forwarded-For gets the client address appended; untrusted proto/host are replaced', () =>
    withHarness({}, async (h) => {
      const e = json<Echo>(
        await request(h.url, { headers: { Host: 'app.example.com', 'X-Forwarded-For': '203.0.113.9', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil' } }),
      );
      assert.equal(e.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
      assert.equal(e.headers['x-forwarded-proto'], 'http');
      assert.equal(e.headers['x-forwarded-host'], 'app.example.com');
    }));

  test('trusted proxies keep their X-Forwarded-Proto/-Host', () =>
    withHarness({ trustedForwarded: true }, async (h) => {
      const e = json<Echo>(await request(h.url, { headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'public.example' } }));
      assert.equal(e.headers['x-forwarded-proto'], 'https');
      assert.equal(e.headers['x-forwarded-host'], 'public.example');
    }));

  test('Host is preserved by default', () =>
    withHarness({}, async (h) => {
      const e = json<Echo>(await request(h.url, { headers: { Host: 'app.example.com:4180' } }));
      assert.equal(e.headers.host, 'app.example.com:4180');
    }));

  test('Host is the upstream host:port without pass-host-header', () =>
    withHarness({ proxy: { passHostHeader: false } }, async (h) => {
      const e = json<Echo>(await request(h.url, { headers: { Host: 'app.example.com' } }));
      assert.equal(e.headers.host, `127.0.0.1:${echo.port}`);
      assert.equal(e.headers['x-forwarded-host'], 'app.example.com');
    }));

  test('hop-by-hop request headers stop at the proxy', () =>
    withHarness({}, async (h) => {
      const e = json<Echo>(
        await request(h.url, { headers: { Connection: 'keep-alive, X-Hop', 'X-Hop': '1', 'Keep-Alive': 'timeout=9', 'Proxy-Authorization': 'Basic eDp5', TE: 'trailers' } }),
      );
      assert.equal(e.headers['x-hop'], undefined);
      assert.notEqual(e.headers['keep-alive'], 'timeout=9');
      assert.equal(e.headers['proxy-authorization'], undefined);
      assert.equal(e.headers.te, undefined);
    }));
});

describe('responses', () => {
  test('status and body are relayed', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { path: '/status/418' });
      assert.equal(r.status, 418);
      assert.equal(json<Echo>(r).url, '/status/418');
      const n = await request(h.url, { path: '/status/204' });
      assert.equal(n.status, 204);
      assert.equal(n.body.length, 0);
    }));

  test('HEAD gets headers and no body', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { method: 'HEAD', path: '/head' });
      assert.equal(r.status, 200);
      assert.ok(Number(r.headers['content-length']) > 0);
      assert.equal(r.body.length, 0);
    }));

  test('every Set-Cookie is kept, next to cookies the pipeline set', () =>
    withHarness({ beforeForward: (_req, res) => res.setHeader('Set-Cookie', '_oauth2_proxy=refreshed; Path=/') }, async (h) => {
      const r = await request(h.url, { path: '/set-cookies' });
      assert.deepEqual(r.headers['set-cookie'], ['_oauth2_proxy=refreshed; Path=/', 'a=1; Path=/', 'b=2; Path=/; HttpOnly']);
    }));

  test('hop-by-hop response headers, and those named by Connection, are removed', () =>
    withHarness({}, async (h) => {
      const q = new URLSearchParams([
        ['Connection', 'X-Secret'],
        ['X-Secret', 'hidden'],
        ['Keep-Alive', 'timeout=99'],
        ['Proxy-Authenticate', 'Basic'],
        ['X-Ok', 'yes'],
      ]);
      const r = await request(h.url, { path: `/response-headers?${q}` });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-ok'], 'yes');
      assert.equal(r.headers['x-secret'], undefined);
      assert.notEqual(r.headers['keep-alive'], 'timeout=99');
      assert.equal(r.headers['proxy-authenticate'], undefined);
    }));

  test('a 40 KiB response header is accepted', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { path: '/big-header?size=40960', maxHeaderSize: 64 * 1024 });
      assert.equal(r.status, 200);
      assert.equal(r.headers['x-big']?.length, 40960);
    }));

  test('a large download arrives intact', () =>
    withHarness({}, async (h) => {
      const chunks = 256;
      const size = 64 * 1024;
      const expected = createHash('sha256');
      for (let i = 0; i < chunks; i++) expected.update(Buffer.alloc(size, i % 251));
      const res = await new Promise<IncomingMessage>((resolve, reject) =>
        http.get({ host: '127.0.0.1', port: h.port, path: `/stream?chunks=${chunks}&size=${size}`, agent: false }, resolve).once('error', reject),
      );
      const hash = createHash('sha256');
      let n = 0;
      for await (const c of res) {
        n += (c as Buffer).length;
        hash.update(c as Buffer);
      }
      assert.equal(n, chunks * size);
      assert.equal(hash.digest('hex'), expected.digest('hex'));
    }));

  test('a slow client holds the upstream back instead of the proxy buffering', async () => {
    const total = 64 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    let finished = false;
    let settle!: () => void;
    // Settles when the upstream has been blocked on backpressure for a while, or has finished.
    const stalled = new Promise<void>((resolve) => (settle = resolve));
    const up = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(total) });
      let timer: NodeJS.Timeout | undefined;
      const pump = () => {
        clearTimeout(timer);
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            timer = setTimeout(settle, 300);
            return;
          }
        }
        finished = true;
        res.end();
        settle();
      };
      pump();
    });
    const upUrl = await listen(up);
    const h = await startHarness({ upstreams: [upUrl] });
    try {
      const res = await new Promise<IncomingMessage>((resolve) => http.get({ host: '127.0.0.1', port: h.port, path: '/', agent: false }, resolve));
      res.pause();
      await stalled;
      assert.equal(finished, false, 'the whole body was read while the client was not reading');
      assert.ok(written < total / 2, `upstream wrote ${written} bytes`);
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.resume();
      await once(res, 'end');
      assert.equal(n, total);
    } finally {
      await h.close();
      await stop(up);
    }
  });

  test('a streamed response reaches the client while the upstream is still sending', () =>
    withHarness({}, async (h) => {
      const req = http.get({ host: '127.0.0.1', port: h.port, path: '/hold?t=stream', agent: false });
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      const [first] = (await once(res, 'data')) as [Buffer];
      assert.equal(first.toString(), 'hold\n');
      req.destroy();
    }));

  test('server-sent events are relayed as they come', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { path: '/sse?events=3&intervalMs=5' });
      assert.equal(r.headers['content-type'], 'text/event-stream');
      assert.equal(r.body.toString(), 'id: 0\ndata: event 0\n\nid: 1\ndata: event 1\n\nid: 2\ndata: event 2\n\n');
    }));
});

describe('failures', () => {
  test('an unreachable upstream rejects with UPSTREAM_UNREACHABLE (502)', async () => {
    const port = await closedPort();
    const h = await startHarness({ upstreams: [`http://127.0.0.1:${port}`] });
    try {
      const r = await request(h.url, { path: '/x' });
      assert.equal(r.status, 502);
      assert.equal(h.errors.length, 1);
      assert.ok(isProxyError(h.errors[0]));
      assert.equal(h.errors[0].code, 'UPSTREAM_UNREACHABLE');
      assert.equal(h.errors[0].expose, false);
      const post = await request(h.url, { method: 'POST', path: '/x', body: randomBytes(200_000) });
      assert.equal(post.status, 502);
    } finally {
      await h.close();
    }
  });

  test('slow upstream headers reject with UPSTREAM_TIMEOUT (504) and the upstream request is dropped', () =>
    withHarness({ proxy: { upstreamTimeoutMs: 200 } }, async (h) => {
      const aborted = waitFor<Echo>(echo.events, 'aborted', (r) => r.url === '/slow-headers?ms=10000&t=504');
      const r = await request(h.url, { path: '/slow-headers?ms=10000&t=504' });
      assert.equal(r.status, 504);
      assert.equal(h.errors[0].code, 'UPSTREAM_TIMEOUT');
      await aborted;
    }));

  test('per-upstream timeouts apply', () =>
    withHarness({ upstreams: [echo.url, { id: 'slow', path: '/slow-headers', uri: echo.url, timeoutMs: 100 }], proxy: { upstreamTimeoutMs: 10_000 } }, async (h) => {
      const r = await request(h.url, { path: '/slow-headers?ms=10000&t=route' });
      assert.equal(r.status, 504);
    }));

  test('the client going away aborts the upstream request', () =>
    withHarness({}, async (h) => {
      const seen = waitFor<Echo>(echo.events, 'request', (r) => r.url === '/hold?t=abort');
      const aborted = waitFor<Echo>(echo.events, 'aborted', (r) => r.url === '/hold?t=abort');
      const outcome = h.nextForward();
      const req = http.get({ host: '127.0.0.1', port: h.port, path: '/hold?t=abort', agent: false });
      req.on('error', () => {});
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      await once(res, 'data');
      await seen;
      req.destroy();
      await aborted;
      assert.equal(await outcome, 'resolved');
      assert.equal(h.errors.length, 0);
    }));

  test('the client going away before the upstream answers aborts the upstream request', () =>
    withHarness({}, async (h) => {
      const seen = waitFor<Echo>(echo.events, 'request', (r) => r.url === '/slow-headers?ms=10000&t=early');
      const aborted = waitFor<Echo>(echo.events, 'aborted', (r) => r.url === '/slow-headers?ms=10000&t=early');
      const outcome = h.nextForward();
      const req = http.get({ host: '127.0.0.1', port: h.port, path: '/slow-headers?ms=10000&t=early', agent: false });
      req.on('error', () => {});
      await seen;
      req.destroy();
      await aborted;
      assert.equal(await outcome, 'resolved');
      assert.equal(h.errors.length, 0);
    }));

  test('an upstream failure after the response started destroys the client connection', () =>
    withHarness({}, async (h) => {
      const outcome = h.nextForward();
      const req = http.get({ host: '127.0.0.1', port: h.port, path: '/partial?size=4096', agent: false });
      req.on('error', () => {});
      const [res] = (await once(req, 'response')) as [IncomingMessage];
      assert.equal(res.statusCode, 200);
      res.on('error', () => {});
      const closed = new Promise((resolve) => res.once('close', resolve));
      res.resume();
      await closed;
      assert.equal(res.complete, false);
      assert.equal(await outcome, 'resolved');
      assert.equal(h.reported.length, 1);
      assert.equal(h.errors.length, 0);
    }));

  test('a bodiless GET is retried once when the connection is dropped', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { path: '/flaky?key=get&fail=1' });
      assert.equal(r.status, 200);
      assert.equal(echo.requests.filter((e) => e.url === '/flaky?key=get&fail=1').length, 2);
    }));

  test('only once', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { path: '/drop?t=twice' });
      assert.equal(r.status, 502);
      assert.equal(echo.requests.filter((e) => e.url === '/drop?t=twice').length, 2);
    }));

  test('a POST is not retried', () =>
    withHarness({}, async (h) => {
      const r = await request(h.url, { method: 'POST', path: '/flaky?key=post&fail=1', headers: { 'Content-Length': '0' } });
      assert.equal(r.status, 502);
      assert.equal(echo.requests.filter((e) => e.url === '/flaky?key=post&fail=1').length, 1);
    }));

  test('after close(), forward rejects with SERVICE_UNAVAILABLE', () =>
    withHarness({}, async (h) => {
      await h.proxy.close();
      const r = await request(h.url);
      assert.equal(r.status, 503);
      assert.equal(h.errors[0].code, 'SERVICE_UNAVAILABLE');
    }));
});

describe('HTTPS upstreams', () => {
  let tlsEcho: EchoUpstream;
  before(async () => {
    tlsEcho = await startEchoUpstream({ tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
  });
  after(async () => {
    await tlsEcho.close();
  });

  test('an untrusted certificate is refused (502)', () =>
    withHarness({ upstreams: [tlsEcho.url] }, async (h) => {
      const r = await request(h.url);
      assert.equal(r.status, 502);
      assert.equal(h.errors[0].code, 'UPSTREAM_UNREACHABLE');
    }));

  test('insecureSkipVerify accepts it', () =>
    withHarness({ upstreams: [tlsEcho.url], proxy: { insecureSkipVerify: true } }, async (h) => {
      const r = await request(h.url, { path: '/tls?x=1' });
      assert.equal(r.status, 200);
      assert.equal(json<Echo>(r).url, '/tls?x=1');
    }));
});
