// Session step for --skip-jwt-bearer-tokens: a verified bearer JWT is the session. An invalid one
// makes the request anonymous (--bearer-token-login-fallback, the default) or is refused with 403.
import { ProxyError } from '../errors.js';
import type { SessionLoader } from '../http/pipeline.js';
import type { BearerVerifier } from '../jwt/bearer.js';
import type { Log } from '../log.js';
import { readCredentials } from './credentials.js';

export function makeBearerLoader(deps: { verifier: BearerVerifier; loginFallback: boolean; log: Log }): SessionLoader {
  return async (req, scope) => {
    const c = readCredentials(req);
    if (c?.kind !== 'bearer') return undefined;
    const r = await deps.verifier.verify(c.token);
    if (r.ok) {
      scope.session = r.session;
      scope.user = r.session.email || r.session.user;
      return r.session;
    }
    deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: '', status: 'AuthFailure', reason: `bearer token rejected: ${r.reason}` });
    if (!deps.loginFallback) throw new ProxyError('FORBIDDEN', 'The bearer token is not valid.');
    return undefined;
  };
}
