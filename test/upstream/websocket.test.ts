import assert from 'node:assert/strict';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import { startEchoUpstream, type EchoRequest, type EchoUpstream } from '../support/echo-upstream.js';
import { closedPort, SESSION, startHarness, type Harness, type HarnessOptions } from './harness.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from './tls-fixture.js';

interface Handshake {
  url: string;
  headers: Record<string, string>;
  rawHeaders: string[];
}

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

/** Opens a websocket through the harness; resolves with the socket and the upstream's handshake report. */
async function connect(h: Harness, path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; handshake: Handshake }> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}${path}`, { headers });
  const [first] = (await once(ws, 'message')) as [Buffer];
  return { ws, handshake: JSON.parse(first.toString()) as Handshake };
}

/** The status of a refused handshake. */
async function refusedStatus(h: Harness, path = '/ws'): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}${path}`);
  ws.on('error', () => {});
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
  res.resume();
  ws.terminate();
  return res.statusCode ?? 0;
}

async function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return;
  const closed = once(ws, 'close');
  ws.close();
  await closed;
}

describe('websocket proxying', () => {
  test('messages round-trip and the upstream sees injected identity, not spoofed headers', () =>
    withHarness({ session: SESSION }, async (h) => {
      const { ws, handshake } = await connect(h, '/ws/a%2Fb?x=1&y=%20', {
        'X-Forwarded-User': 'root',
        x_auth_request_email: 'root@example.com',
        'X-Auth-Request-User': 'root',
        Cookie: 'a=1; _oauth2_proxy=session-secret',
      });
      try {
        assert.equal(handshake.url, '/ws/a%2Fb?x=1&y=%20');
        assert.equal(handshake.headers['x-forwarded-user'], 'alice-sub');
        assert.equal(handshake.headers['x-forwarded-email'], 'alice@example.com');
        assert.equal(handshake.headers['x-forwarded-groups'], 'admins,devs');
        assert.equal(handshake.headers['x-auth-request-user'], undefined);
        assert.equal(handshake.headers.cookie, 'a=1');
        assert.equal(handshake.headers.upgrade, 'websocket');
        assert.equal(handshake.headers.connection, 'Upgrade');
        assert.equal(handshake.headers['x-forwarded-for'], '127.0.0.1');
        for (let i = 0; i < handshake.rawHeaders.length; i += 2) {
          assert.ok(!handshake.rawHeaders[i].includes('_'), `${handshake.rawHeaders[i]} leaked`);
          assert.notEqual(handshake.rawHeaders[i + 1], 'root');
          assert.notEqual(handshake.rawHeaders[i + 1], 'root@example.com');
        }

        ws.send('hello');
        const [text, isBinary] = (await once(ws, 'message')) as [Buffer, boolean];
        assert.equal(text.toString(), 'hello');
        assert.equal(isBinary, false);

        const big = Buffer.alloc(300 * 1024, 9);
        ws.send(big);
        const [bin] = (await once(ws, 'message')) as [Buffer];
        assert.ok(Buffer.compare(bin, big) === 0);
      } finally {
        await closeWs(ws);
      }
    }));

  test('Host is replaced without pass-host-header', () =>
    withHarness({ proxy: { passHostHeader: false } }, async (h) => {
      const { ws, handshake } = await connect(h, '/ws', { Host: 'app.example.com' });
      assert.equal(handshake.headers.host, `127.0.0.1:${echo.port}`);
      assert.equal(handshake.headers['x-forwarded-host'], 'app.example.com');
      await closeWs(ws);
    }));

  test('a client close reaches the upstream', () =>
    withHarness({}, async (h) => {
      const { ws } = await connect(h, '/ws?t=client-close');
      const upstreamClosed = new Promise<void>((resolve) => {
        const on = (r: EchoRequest) => {
          if (r.url !== '/ws?t=client-close') return;
          echo.events.off('ws-close', on);
          resolve();
        };
        echo.events.on('ws-close', on);
      });
      await closeWs(ws);
      await upstreamClosed;
    }));

  test('close() tears down open tunnels', () =>
    withHarness({}, async (h) => {
      const { ws } = await connect(h, '/ws?t=teardown');
      const closed = once(ws, 'close');
      await h.proxy.close();
      await closed;
    }));

  test('disabled websockets are refused with 400', () =>
    withHarness({ proxy: { proxyWebSockets: false } }, async (h) => {
      assert.equal(await refusedStatus(h, '/ws?t=disabled'), 400);
      assert.equal(echo.requests.filter((r) => r.url === '/ws?t=disabled').length, 0);
    }));

  test('a non-websocket upgrade is refused with 400', () =>
    withHarness({}, async (h) => {
      const sock = net.connect(h.port, '127.0.0.1');
      sock.write('GET /h2c HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n');
      const text = await readAll(sock);
      assert.match(text, /^HTTP\/1\.1 400 /);
    }));

  test('an unreachable upstream answers 502', async () => {
    const port = await closedPort();
    const h = await startHarness({ upstreams: [`http://127.0.0.1:${port}`] });
    try {
      assert.equal(await refusedStatus(h), 502);
      assert.equal(h.reported.length, 1);
    } finally {
      await h.close();
    }
  });

  test('an upstream that does not answer the handshake in time answers 504', async () => {
    const sockets = new Set<Socket>();
    const up = http.createServer();
    up.on('upgrade', (_req, socket: Socket) => sockets.add(socket));
    up.listen(0, '127.0.0.1');
    await once(up, 'listening');
    const h = await startHarness({ upstreams: [`http://127.0.0.1:${(up.address() as AddressInfo).port}`], proxy: { upstreamTimeoutMs: 150 } });
    try {
      assert.equal(await refusedStatus(h), 504);
    } finally {
      await h.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => up.close(() => resolve()));
    }
  });

  test('an upstream refusal is relayed as a finished response and no tunnel is opened', async () => {
    const up = http.createServer();
    up.on('upgrade', (_req, socket: Socket) => {
      // Keeps its side open: the proxy must close the client connection itself.
      socket.write('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nX-Reason: policy\r\n\r\ndenied');
      socket.on('error', () => {});
      // Closes only once the proxy drops the connection, so closing the server below proves it did.
      socket.once('end', () => socket.destroy());
    });
    up.listen(0, '127.0.0.1');
    await once(up, 'listening');
    const h = await startHarness({ upstreams: [`http://127.0.0.1:${(up.address() as AddressInfo).port}`] });
    try {
      const sock = net.connect(h.port, '127.0.0.1');
      sock.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      const text = await readAll(sock);
      assert.match(text, /^HTTP\/1\.1 403 Forbidden\r\n/);
      assert.match(text, /\r\nX-Reason: policy\r\n/);
      assert.match(text, /\r\nConnection: close\r\n/);
      assert.ok(text.endsWith('\r\n\r\ndenied'));
    } finally {
      await h.close();
      up.closeAllConnections();
      await new Promise<void>((resolve) => up.close(() => resolve()));
    }
  });

  test('websockets to an HTTPS upstream', async () => {
    const tlsEcho = await startEchoUpstream({ tls: { key: TEST_TLS_KEY, cert: TEST_TLS_CERT } });
    try {
      await withHarness({ upstreams: [tlsEcho.url], proxy: { insecureSkipVerify: true } }, async (h) => {
        const { ws, handshake } = await connect(h, '/secure');
        assert.equal(handshake.url, '/secure');
        ws.send('over tls');
        const [m] = (await once(ws, 'message')) as [Buffer];
        assert.equal(m.toString(), 'over tls');
        await closeWs(ws);
      });
      await withHarness({ upstreams: [tlsEcho.url] }, async (h) => {
        assert.equal(await refusedStatus(h), 502);
      });
    } finally {
      await tlsEcho.close();
    }
  });
});

/** Everything a socket receives until the peer closes it. */
async function readAll(sock: net.Socket): Promise<string> {
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  await once(sock, 'close');
  return Buffer.concat(chunks).toString();
}
