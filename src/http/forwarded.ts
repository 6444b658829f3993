// The request a gateway asks about. nginx auth_request, Traefik/Caddy forward-auth and Envoy
// ext_authz call <prefix>/auth on behalf of another request, described by X-Forwarded-Method and
// X-Forwarded-Uri (Envoy appends the original path to the check path instead). Those describe the
// original request only when they come from a trusted reverse proxy; from anyone else they are
// ignored, so a client cannot name a skip-auth path it is not requesting.
import type { IncomingMessage } from 'node:http';
import type { RequestScope } from './scope.js';
import { headerValue } from './scope.js';
import { normaliseTarget } from './target.js';

export interface OriginalRequest {
  method: string;
  decoded: string;
  query: string;
  ambiguous: boolean;
  clientIp: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** For a proxied request: the request itself, in canonical form. */
export function proxiedRequest(req: IncomingMessage, scope: RequestScope): OriginalRequest {
  return { method: req.method ?? 'GET', decoded: scope.decodedPath, query: scope.query, ambiguous: scope.ambiguousPath, clientIp: scope.clientIp };
}

/** For <prefix>/auth: the original request as the (trusted) gateway describes it. */
export function gatewayRequest(req: IncomingMessage, scope: RequestScope, authPath: string): OriginalRequest {
  let method = req.method ?? 'GET';
  let uri: string | undefined;
  if (scope.trustedForwarded) {
    const m = headerValue(req.headers['x-forwarded-method']);
    if (m !== undefined && m !== '') {
      // A method that is not a token cannot be what the upstream serves: match nothing.
      if (!TOKEN.test(m)) return { method: '', decoded: '', query: '', ambiguous: true, clientIp: scope.clientIp };
      method = m;
    }
    const raw = req.headers['x-forwarded-uri'];
    uri = Array.isArray(raw) ? raw[0] : raw;
    if (uri === undefined && scope.path.length > authPath.length) {
      // Envoy: <prefix>/auth + original path (the query is the original one too).
      uri = scope.path.slice(authPath.length) + (scope.query === '' ? '' : '?' + scope.query);
    }
  }
  // Without a described request the path is only the check path itself: no path rule may decide
  // (a negated rule such as `!=^/admin` would otherwise let every check through).
  if (uri === undefined) return { method, decoded: '', query: '', ambiguous: true, clientIp: scope.clientIp };
  const t = normaliseTarget(uri);
  return { method, decoded: t.decoded, query: t.query, ambiguous: t.ambiguous, clientIp: scope.clientIp };
}
