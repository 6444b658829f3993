// The listening socket and its lifecycle: generous header limits (split session cookies are big),
// keep-alive above typical load-balancer idle timeouts, and a graceful drain on shutdown. The same
// code serves plain HTTP and HTTPS; an HTTPS listener can be handed a new certificate at any time
// (connections already open keep theirs; new handshakes get the new one).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';

export interface ServerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface RunningServer {
  readonly server: Server | HttpsServer;
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** HTTPS only: serve this certificate (and settings) to new connections. */
  setSecureContext(options: SecureContextOptions): void;
  /** Stop accepting, let in-flight requests finish until the deadline, then cut what remains. */
  close(deadlineMs: number): Promise<void>;
}

export const MAX_HEADER_SIZE = 64 * 1024;

export function parseListenAddress(address: string): { host: string; port: number } {
  const rest = address.replace(/^https?:\/\//i, '');
  const colon = rest.lastIndexOf(':');
  let host = rest.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  // Go's ":4180" means every interface.
  return { host: host === '' ? '0.0.0.0' : host, port: Number(rest.slice(colon + 1)) };
}

export function listen(address: { host: string; port: number }, handlers: ServerHandlers, opts: { tls?: SecureContextOptions } = {}): Promise<RunningServer> {
  const settings = { maxHeaderSize: MAX_HEADER_SIZE, keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 };
  const server: Server | HttpsServer = opts.tls ? createHttpsServer({ ...settings, ...opts.tls }) : createServer(settings);
  const upgraded = new Set<Duplex>();
  let inFlight = 0;
  let draining = false;
  let drained: (() => void) | undefined;

  // One handler for every response rather than a closure per request: 'close' fires once anyway.
  const onResponseClose = () => {
    inFlight--;
    if (draining) {
      server.closeIdleConnections();
      if (inFlight === 0 && drained) drained();
    }
  };
  server.on('request', (req, res) => {
    inFlight++;
    if (draining) res.setHeader('Connection', 'close');
    res.on('close', onResponseClose);
    handlers.request(req, res);
  });
  server.on('upgrade', (req, socket, head) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    handlers.upgrade(req, socket, head);
  });
  // A malformed request never reaches a handler: answer 400 and close, without any detail.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) { socket.destroy(); return; }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      const bound = server.address();
      const port = typeof bound === 'object' && bound ? bound.port : address.port;
      resolve({
        server,
        host: address.host,
        port,
        tls: opts.tls !== undefined,
        setSecureContext(options) {
          if (!opts.tls) throw new Error('not an HTTPS listener');
          (server as HttpsServer).setSecureContext({ ...opts.tls, ...options });
        },
        close(deadlineMs) {
          draining = true;
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          const idle = inFlight === 0 ? Promise.resolve() : new Promise<void>((done) => { drained = done; });
          let timer: NodeJS.Timeout | undefined;
          const deadline = new Promise<void>((done) => { timer = setTimeout(done, deadlineMs); timer.unref(); });
          return Promise.race([idle, deadline]).then(() => {
            clearTimeout(timer);
            for (const s of upgraded) s.destroy();
            server.closeAllConnections();
            return closed;
          });
        },
      });
    });
  });
}
