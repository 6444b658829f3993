// The route table as the pipeline uses it: the decision for a request and its session, the log line
// of a denial (reasons in the auth log only, the client sees a plain 403), and report-only mode,
// where a would-be denial is logged and the request goes on as if there were no table.
import type { RequestScope } from '../http/scope.js';
import type { Log } from '../log.js';
import { idTokenClaims } from '../session/claims.js';
import type { SessionState } from '../session/state.js';
import type { RouteTable } from './compile.js';
import { decide, type PolicyDecision } from './decide.js';
import type { PolicyIdentity } from './requirements.js';

/** The request as the table sees it: for /oauth2/auth, the one the gateway describes. */
export interface GateInput {
  method: string;
  decoded: string;
  ambiguous: boolean;
}

export interface RoutePolicy {
  readonly table: RouteTable;
  /** The decision to enforce; undefined in report-only mode (a denial is logged instead). */
  decide(scope: RequestScope, input: GateInput, session: SessionState | undefined): PolicyDecision | undefined;
  /** Writes the auth log line of an enforced denial. */
  logDenied(scope: RequestScope, input: GateInput, d: PolicyDecision): void;
}

/** The session as the table reads it; the ID token is decoded only if a roles or claims check asks. */
export function sessionIdentity(s: SessionState): PolicyIdentity {
  let claims: Record<string, unknown> | undefined | null = null;
  return {
    user: s.user,
    email: s.email,
    groups: s.groups,
    get claims() {
      if (claims === null) claims = idTokenClaims(s.idToken);
      return claims;
    },
  };
}

export function createRoutePolicy(opts: { table: RouteTable; reportOnly: boolean; log: Log }): RoutePolicy {
  const { table, log, reportOnly } = opts;

  const decideFor = (scope: RequestScope, input: GateInput, session: SessionState | undefined) =>
    decide(table, { method: input.method, host: scope.host, path: input.decoded, canonical: input }, session && sessionIdentity(session));

  return {
    table,
    decide(scope, input, session) {
      const d = decideFor(scope, input, session);
      if (!reportOnly) return d;
      if (d.effect === 'deny') {
        log.warn('policy would deny', {
          request_id: scope.id, user: scope.user, client: scope.clientIp, method: input.method, host: scope.host, path: input.decoded,
          rule: d.rule ?? '', reasons: d.reasons,
        });
      }
      return undefined;
    },
    logDenied(scope, input, d) {
      log.auth({
        requestId: scope.id, client: scope.clientIp, user: scope.user, status: 'AuthFailure', host: scope.host, method: input.method,
        reason: `forbidden by --policy-file (${input.method} ${input.decoded}, rule ${d.rule ?? 'none'}): ${d.reasons.join('; ')}`,
      });
    },
  };
}
