// Sessions without an email address (htpasswd users, bearer tokens without an email claim) skip
// the email rules, as in oauth2-proxy, but still meet --allowed-group and the per-request filters.
// Sessions with an email go through the ordinary authorization step unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decideFilters, parseRequestFilters, type Policy } from '../authz/decide.js';
import { ProxyError } from '../errors.js';
import type { Verdict } from '../http/pipeline.js';
import type { ErrorResponder } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { Log } from '../log.js';
import type { SessionState } from '../session/state.js';
import type { AuthorizeStep } from './authorize.js';
import { goQuery, type QueryParser } from '../http/query.js';

export function allowEmailless(inner: AuthorizeStep, deps: { policy: (s?: SessionState) => Policy; log: Log; fail: ErrorResponder; parseQuery?: QueryParser }): AuthorizeStep {
  const parseQuery = deps.parseQuery ?? goQuery;
  function evaluate(scope: RequestScope, s: SessionState): Verdict {
    if (s.email !== '') return inner.evaluate(scope, s);
    const allowed = deps.policy(s).allowedGroups;
    const inGroup = allowed.size === 0 || s.groups.some((g) => allowed.has(g));
    const filters = inGroup ? parseRequestFilters(scope.query, parseQuery) : undefined;
    const f = filters ? decideFilters(filters, s) : { allow: inGroup, reasons: inGroup ? [] : ['user is in none of --allowed-group'] };
    if (f.allow) return 'ok';
    deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: scope.user, status: 'AuthFailure', reason: `unauthorized: ${f.reasons.join('; ')}` });
    return inGroup ? 'filter' : 'policy';
  }
  const step = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState): Promise<boolean> => {
    if (s.email !== '') return inner(req, res, scope, s);
    if (evaluate(scope, s) === 'ok') return true;
    deps.fail(req, res, scope, new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.'));
    return false;
  };
  return Object.assign(step, { evaluate });
}
