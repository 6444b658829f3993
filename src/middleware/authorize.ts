// Authorization step for proxied requests: the global rules (email domains, emails file, allowed
// groups) on every request, then the per-request query filters. With --policy-file, the route table
// is a further gate after them (makeRouteGate). A session that no longer passes the
// global rules is ended, as oauth2-proxy does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decide, decideFilters, parseRequestFilters, type Policy } from '../authz/decide.js';
import { ProxyError } from '../errors.js';
import { cookieContextOf } from '../http/cookie-context.js';
import type { ErrorResponder } from '../http/respond.js';
import type { Evaluate, Verdict } from '../http/pipeline.js';
import type { RequestScope } from '../http/scope.js';
import type { Log } from '../log.js';
import type { SessionState } from '../session/state.js';
import type { SessionStore } from '../session/store.js';
import { goQuery, type QueryParser } from '../http/query.js';
import { proxiedRequest } from '../http/forwarded.js';
import type { PolicyDecision } from '../policy/decide.js';
import type { RoutePolicy } from '../policy/gate.js';

export interface AuthorizeStep {
  (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState): Promise<boolean>;
  /** The same decision without writing a response (/oauth2/auth and websocket upgrades answer their own way). */
  evaluate: Evaluate;
}

export function makeAuthorize(deps: { policy: (s?: SessionState) => Policy; store: SessionStore; log: Log; fail: ErrorResponder; parseQuery?: QueryParser }): AuthorizeStep {
  const parseQuery = deps.parseQuery ?? goQuery;
  function evaluate(scope: RequestScope, s: SessionState): Verdict {
    const verdict = decide(deps.policy(s), s);
    const filters = verdict.allow ? parseRequestFilters(scope.query, parseQuery) : undefined;
    const f = filters ? decideFilters(filters, s) : verdict;
    if (f.allow) return 'ok';
    deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: scope.user, status: 'AuthFailure', reason: `unauthorized: ${f.reasons.join('; ')}` });
    return verdict.allow ? 'filter' : 'policy';
  }

  const step = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState): Promise<boolean> => {
    const outcome = evaluate(scope, s);
    if (outcome === 'ok') return true;
    if (outcome === 'policy') scope.setCookies.push(...(await deps.store.clear(cookieContextOf(req, scope))));
    deps.fail(req, res, scope, new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.'));
    return false;
  };
  return Object.assign(step, { evaluate });
}

/**
 * --policy-file on proxied requests and websocket upgrades: the table's decision for the request
 * itself, and the refusal of a denied one (reasons to the auth log, a plain 403 to the client).
 */
export interface RouteGate {
  decide(req: IncomingMessage, scope: RequestScope, s: SessionState | undefined): PolicyDecision | undefined;
  refuse(req: IncomingMessage, res: ServerResponse, scope: RequestScope, d: PolicyDecision): void;
  /** For an upgrade: logs the denial and gives the status to refuse it with. */
  refused(req: IncomingMessage, scope: RequestScope, d: PolicyDecision): number;
}

export function makeRouteGate(deps: { policy: RoutePolicy; fail: ErrorResponder }): RouteGate {
  const refused = (req: IncomingMessage, scope: RequestScope, d: PolicyDecision) => {
    deps.policy.logDenied(scope, proxiedRequest(req, scope), d);
    return 403;
  };
  return {
    decide: (req, scope, s) => deps.policy.decide(scope, proxiedRequest(req, scope), s),
    refuse(req, res, scope, d) {
      refused(req, scope, d);
      deps.fail(req, res, scope, new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.'));
    },
    refused,
  };
}
