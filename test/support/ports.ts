import { createServer } from 'node:net';

/** A free loopback port, picked by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A loopback port that refuses connections for the whole test. A port that was free a moment ago
 * can be taken by another test file running in parallel, turning "upstream down" into a live
 * server; port 2 is far below the kernel's ephemeral range, so no test ever listens there, and
 * unlike port 1 it is not on the fetch standard's list of blocked ports.
 */
export const REFUSED_PORT = 2;
