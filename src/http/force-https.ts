// --force-https: a request that did not arrive over HTTPS (directly, or per the X-Forwarded-Proto of
// a trusted proxy) is sent to the same URL over HTTPS with a 308, so the method and body survive.
// It runs before the probes, as in oauth2-proxy.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestScope } from './scope.js';

// Host names and IP literals only: anything else in Host is not echoed into a Location header.
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * `httpsPort`: the port HTTPS is served on, put in the redirect when it is not 443; undefined
 * when HTTPS is terminated elsewhere (the redirect then names no port).
 */
export function makeForceHttps(httpsPort: number | undefined): (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => boolean {
  return (req, res, scope) => {
    if (scope.scheme === 'https') return false;
    const host = scope.host;
    if (!HOST.test(host)) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('Bad Request\n');
      return true;
    }
    const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.replace(/:\d+$/, '');
    const authority = httpsPort === undefined || httpsPort === 443 ? name : `${name}:${httpsPort}`;
    // An absolute-form request target must not become part of the authority.
    const target = req.url?.startsWith('/') ? req.url : '/';
    res.writeHead(308, { Location: `https://${authority}${target}`, 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<a href="https://${authority}">Permanent Redirect</a>.\n`);
    return true;
  };
}
