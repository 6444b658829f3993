// <prefix>/sign_out: end the session and go to the validated `rd` target (default `/`).
import { cookieContextOf } from '../http/cookie-context.js';
import { appendSetCookies, redirect } from '../http/respond.js';
import type { Log } from '../log.js';
import type { SessionStore } from '../session/store.js';
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';

export function makeSignOut(deps: { store: SessionStore; flow: LoginFlow; log: Log }): Handler {
  return async (req, res, scope) => {
    const target = deps.flow.redirectTarget(req, scope);
    const ctx = cookieContextOf(req, scope);
    const loaded = await deps.store.load(ctx);
    const user = loaded.state === 'ok' ? loaded.session.email || loaded.session.user : '';
    appendSetCookies(res, [...scope.setCookies, ...(await deps.store.clear(ctx))]);
    scope.setCookies = [];
    if (user) deps.log.auth({ requestId: scope.id, client: scope.clientIp, user, status: 'AuthSuccess', reason: 'signed out' });
    redirect(res, target);
  };
}
