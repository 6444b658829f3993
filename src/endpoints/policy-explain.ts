// <prefix>/policy/explain (--policy-explain): which route of --policy-file decides a request and
// why, as JSON, for the signed-in caller or for a hypothetical user (`email`, `groups`). Signed-in
// callers only, and only those the global rules admit; it still shows them the table, which is why
// the option is off by default. Only the route table is answered for: the global rules and
// skip-auth routes are left out.
import { appendSetCookies, sendJson } from '../http/respond.js';
import type { Evaluate, Handler, SessionLoader } from '../http/pipeline.js';
import type { QueryParser } from '../http/query.js';
import { normaliseTarget } from '../http/target.js';
import { normaliseHost, type RouteTable } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { sessionIdentity } from '../policy/gate.js';
import type { PolicyIdentity } from '../policy/requirements.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ABSOLUTE = /^https?:\/\/([^/?#]*)/i;

export function makePolicyExplain(deps: { table: RouteTable; loadSession: SessionLoader; evaluate: Evaluate; parseQuery: QueryParser }): Handler {
  return async (req, res, scope) => {
    const session = await deps.loadSession(req, scope);
    appendSetCookies(res, scope.setCookies);
    if (!session) return sendJson(res, 401, { error: 'sign in first' });
    if (deps.evaluate(scope, session) !== 'ok') return sendJson(res, 403, { error: 'forbidden' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' });

    const q = deps.parseQuery(scope.query);
    const url = q.get('url') ?? '';
    const method = q.get('method') || 'GET';
    if (!TOKEN.test(method)) return sendJson(res, 400, { error: 'method must be an HTTP method' });
    let host = scope.host;
    const absolute = ABSOLUTE.exec(url);
    if (absolute) {
      // The authority without any user info.
      const authority = absolute[1]!;
      host = authority.slice(authority.lastIndexOf('@') + 1);
    } else if (!url.startsWith('/')) {
      return sendJson(res, 400, { error: 'url must be an absolute http(s) URL or a path starting with /' });
    }
    const target = normaliseTarget(url);

    const email = q.get('email');
    const groups = q.get('groups');
    const hypothetical = email !== null || groups !== null;
    const who: PolicyIdentity = hypothetical
      ? { user: email ?? '', email: email ?? '', groups: (groups ?? '').split(',').map((g) => g.trim()).filter(Boolean) }
      : sessionIdentity(session);
    const d = decide(deps.table, { method, host, path: target.path, canonical: target }, who);
    sendJson(res, 200, {
      url, method, host: normaliseHost(host), path: target.ambiguous ? target.path : target.decoded,
      rule: d.rule ?? null, effect: d.effect, reasons: d.reasons,
      user: { user: who.user, email: who.email, groups: who.groups, hypothetical },
    });
  };
}
