// <prefix>/jwks.json: the public key apps verify X-Auth-Request-Jwt with. Public by nature, so no
// session is needed; cacheable for a few minutes, since the key only changes when the proxy
// restarts with a generated one, and JWKS clients refetch on a key id they do not know.
import type { Handler } from '../http/pipeline.js';
import { sendText } from '../http/respond.js';

const MAX_AGE_SECONDS = 300;

export function makeJwks(jwks: () => Promise<string>): Handler {
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'Method Not Allowed');
    }
    const body = await jwks();
    // The prefix's default is no-store; a key set is the one answer here that should be cached.
    res.removeHeader('Expires');
    res.removeHeader('X-Accel-Expires');
    res.setHeader('Cache-Control', `public, max-age=${MAX_AGE_SECONDS}`);
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  };
}
