// Session step for --htpasswd-file: Basic credentials on the request, checked against the file.
// Wrong credentials leave the request anonymous (the usual sign-in answer follows); too many
// failures from one client or for one user are refused with 429 before any check runs.
import { ProxyError } from '../errors.js';
import type { SessionLoader } from '../http/pipeline.js';
import type { Htpasswd } from '../htpasswd/verify.js';
import type { Log } from '../log.js';
import type { SessionState } from '../session/state.js';
import { readCredentials } from './credentials.js';

export function htpasswdSession(user: string, groups: readonly string[], now: number): SessionState {
  return { user, email: '', groups: [...groups], createdAt: now, expiresOn: 0, providerId: 'htpasswd' };
}

export function tooManyAttempts(): ProxyError {
  return new ProxyError('UNAUTHORIZED', 'Too many failed sign-in attempts. Try again later.', { status: 429 });
}

export function makeBasicAuthLoader(deps: { htpasswd: Htpasswd; groups: readonly string[]; log: Log; now?: () => number }): SessionLoader {
  const now = deps.now ?? Date.now;
  return async (req, scope) => {
    const c = readCredentials(req);
    if (c?.kind !== 'basic') return undefined;
    const r = await deps.htpasswd.check(c.user, c.password, scope.clientIp);
    if (r.ok) {
      const s = htpasswdSession(c.user, deps.groups, now());
      scope.session = s;
      scope.user = s.user;
      return s;
    }
    deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: c.user, status: 'AuthFailure', reason: r.reason === 'rate_limited' ? 'htpasswd: too many failed attempts' : 'htpasswd: invalid credentials' });
    if (r.reason === 'rate_limited') throw tooManyAttempts();
    return undefined;
  };
}

/** The first loader that yields a session wins, as in oauth2-proxy's session chain. */
export function chainSessionLoaders(loaders: readonly SessionLoader[]): SessionLoader {
  if (loaders.length === 1) return loaders[0]!;
  return async (req, scope) => {
    for (const load of loaders) {
      const s = await load(req, scope);
      if (s !== undefined) return s;
    }
    return undefined;
  };
}
