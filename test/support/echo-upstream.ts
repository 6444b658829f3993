// A stand-in for the app behind the proxy: it answers every request with what it received, so a
// test can see exactly which method, target, headers and body made it through.
//
// Paths (anything else echoes):
//   /slow-headers?ms=N          wait N ms before answering
//   /stream?chunks=N&size=M     stream N chunks of M bytes (chunk i filled with byte i % 251)
//   /sse?events=N&intervalMs=M  server-sent events, one every M ms
//   /set-cookies                two Set-Cookie headers
//   /status/NNN                 answer with that status
//   /response-headers?k=v&...   add each query parameter as a response header
//   /big-header?size=N          a response header of N bytes
//   /hold                       send the head and a first chunk, then keep the response open
//   /partial?size=N             promise 2N bytes, send N, then drop the connection
//   /drop                       drop the connection without answering
//   /flaky?key=K&fail=N         drop the connection for the first N requests with key K
//   websocket upgrade (any path): first message is the handshake's {url, headers, rawHeaders},
//                               then every message is echoed back
//
// The echo body is JSON {method, url, headers, rawHeaders, bodyLength, bodySha256, connectionId}.
// Bodies are hashed as they stream in, never buffered.

import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export interface EchoRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** Filled in when the body has been read completely. */
  bodyLength: number;
  bodySha256: string;
  /** Which TCP connection carried it: equal ids mean a reused (kept-alive) connection. */
  connectionId: number;
  upgrade: boolean;
}

export interface EchoUpstream {
  url: string;
  port: number;
  /** Every request received, in arrival order (websocket handshakes included, upgrade: true). */
  requests: EchoRequest[];
  /**
   * 'request' (EchoRequest) on arrival; 'aborted' (EchoRequest) when a response is cut by the peer;
   * 'ws-close' (EchoRequest of the handshake) when a websocket closes.
   */
  events: EventEmitter;
  /** TCP connections accepted so far. */
  connectionCount(): number;
  close(): Promise<void>;
}

export interface EchoUpstreamOptions {
  /** Serve HTTPS with this key pair. */
  tls?: { key: string; cert: string };
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

export async function startEchoUpstream(opts: EchoUpstreamOptions = {}): Promise<EchoUpstream> {
  const requests: EchoRequest[] = [];
  const events = new EventEmitter();
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<object, number>();
  const timers = new Set<NodeJS.Timeout>();
  const flaky = new Map<string, number>();
  let connections = 0;
  let closing = false;

  const later = (ms: number, fn: () => void): NodeJS.Timeout => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const cancel = (t: NodeJS.Timeout): void => {
    clearTimeout(t);
    timers.delete(t);
  };

  const record = (req: IncomingMessage, upgrade: boolean): EchoRequest => {
    const r: EchoRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      bodyLength: 0,
      bodySha256: EMPTY_SHA256,
      connectionId: connectionIds.get(req.socket) ?? 0,
      upgrade,
    };
    requests.push(r);
    events.emit('request', r);
    return r;
  };

  /** Reads the body to the end, hashing as it goes. */
  const consume = (req: IncomingMessage, r: EchoRequest, done: () => void): void => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      hash.update(chunk);
    });
    req.once('end', () => {
      r.bodyLength = length;
      r.bodySha256 = hash.digest('hex');
      done();
    });
  };

  const sendJson = (res: ServerResponse, r: EchoRequest, status = 200): void => {
    if (res.destroyed) return;
    const body = status === 204 || status === 304 ? '' : JSON.stringify(r);
    res.statusCode = status;
    if (body !== '') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Content-Length', Buffer.byteLength(body));
    }
    res.end(body);
  };

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const r = record(req, false);
    res.once('close', () => {
      if (!res.writableFinished) events.emit('aborted', r);
    });
    const url = new URL(req.url ?? '/', 'http://echo.invalid');
    const q = url.searchParams;
    const int = (name: string, def: number) => {
      const v = Number(q.get(name) ?? def);
      return Number.isFinite(v) && v >= 0 ? Math.floor(v) : def;
    };
    const path = url.pathname;

    if (path === '/drop') {
      req.socket.destroy();
      return;
    }
    if (path === '/flaky') {
      const key = q.get('key') ?? '';
      const seen = flaky.get(key) ?? 0;
      flaky.set(key, seen + 1);
      if (seen < int('fail', 1)) {
        req.socket.destroy();
        return;
      }
    }

    consume(req, r, () => {
      if (path === '/slow-headers') {
        const t = later(int('ms', 1000), () => sendJson(res, r));
        res.once('close', () => cancel(t));
        return;
      }
      if (path === '/stream') return stream(res, int('chunks', 16), int('size', 64 * 1024));
      if (path === '/sse') return sse(res, int('events', 3), int('intervalMs', 10));
      if (path === '/set-cookies') {
        res.setHeader('Set-Cookie', ['a=1; Path=/', 'b=2; Path=/; HttpOnly']);
        return sendJson(res, r);
      }
      if (path.startsWith('/status/')) return sendJson(res, r, Number(path.slice(8)) || 500);
      if (path === '/response-headers') {
        for (const [k, v] of q) res.appendHeader(k, v);
        return sendJson(res, r);
      }
      if (path === '/big-header') {
        res.setHeader('X-Big', 'b'.repeat(int('size', 32 * 1024)));
        return sendJson(res, r);
      }
      if (path === '/hold') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('hold\n');
        return;
      }
      if (path === '/partial') {
        const size = int('size', 1024);
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 2 * size });
        res.write(Buffer.alloc(size, 0x61), () => req.socket.destroy());
        return;
      }
      sendJson(res, r);
    });
  };

  const stream = (res: ServerResponse, chunks: number, size: number): void => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': chunks * size });
    let i = 0;
    const pump = (): void => {
      while (i < chunks) {
        if (res.destroyed) return;
        const ok = res.write(Buffer.alloc(size, i % 251));
        i++;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };

  const sse = (res: ServerResponse, count: number, intervalMs: number): void => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    let n = 0;
    let t: NodeJS.Timeout | undefined;
    const tick = (): void => {
      if (res.destroyed) return;
      res.write(`id: ${n}\ndata: event ${n}\n\n`);
      n++;
      if (n >= count) res.end();
      else t = later(intervalMs, tick);
    };
    res.once('close', () => {
      if (t !== undefined) cancel(t);
    });
    tick();
  };

  const server = opts.tls
    ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert, maxHeaderSize: 64 * 1024 }, handler)
    : http.createServer({ maxHeaderSize: 64 * 1024 }, handler);
  // Large enough that a test never races the upstream closing an idle kept-alive connection.
  server.keepAliveTimeout = 30_000;

  server.on('connection', (socket: Socket) => {
    connections++;
    connectionIds.set(socket, connections);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (closing) socket.destroy();
  });
  if (opts.tls) {
    // Requests see the TLS wrapper, not the TCP socket, and handshakes may finish out of order, so
    // TLS connections are numbered on their own.
    let secured = 0;
    server.on('secureConnection', (tlsSocket: Socket) => {
      connectionIds.set(tlsSocket, ++secured);
    });
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const r = record(req, true);
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      ws.on('error', () => ws.terminate());
      ws.send(JSON.stringify({ url: r.url, headers: r.headers, rawHeaders: r.rawHeaders }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.once('close', () => events.emit('ws-close', r));
    });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    events,
    connectionCount: () => connections,
    async close() {
      if (closing) return;
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const ws of wss.clients) ws.terminate();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
