// Serves one endpoint handler on a loopback port, with the error responder's status for what it
// throws, so an endpoint can be tested over real HTTP without the whole pipeline.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isProxyError } from '../../src/errors.js';
import type { Handler } from '../../src/http/pipeline.js';
import type { RequestScope } from '../../src/http/scope.js';

export async function serveHandler(handler: Handler, path = '/'): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const scope = { id: 'test', clientIp: '127.0.0.1' } as unknown as RequestScope;
    Promise.resolve(handler(req, res, scope)).catch((err: unknown) => {
      res.statusCode = isProxyError(err) ? err.status : 500;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}` };
}
