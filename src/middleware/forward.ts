// Last step: pick the upstream route, build the upstream headers (client identity headers and the
// proxy's own cookies dropped, then the session's identity injected) and hand the request over.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ProxyError } from '../errors.js';
import { appendSetCookies, redirect, type ErrorResponder } from '../http/respond.js';
import type { RequestScope } from '../http/scope.js';
import type { SessionState } from '../session/state.js';
import { createHeaderRules } from '../upstream/headers.js';
import type { IdentityHeaders } from '../upstream/identity.js';
import { rejectUpgrade, type UpstreamProxy } from '../upstream/proxy.js';

export interface ForwardStep {
  (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState | undefined): Promise<void>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, s: SessionState | undefined): void;
}

export function makeForward(deps: { upstream: UpstreamProxy; identity: IdentityHeaders; isOwnCookie: (name: string) => boolean; fail: ErrorResponder }): ForwardStep {
  const rules = createHeaderRules({ strips: deps.identity.strips, isOwnCookie: deps.isOwnCookie });
  const router = deps.upstream.router;

  const step = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState | undefined): Promise<void> => {
    const m = router.match(req.url ?? '/');
    if (!m) return deps.fail(req, res, scope, new ProxyError('NOT_FOUND', 'No upstream serves this path.'));
    if (m.redirect !== undefined) return redirect(res, m.redirect, 301);
    scope.upstream = m.route.id;
    const headers = rules.request(req, m.route, { trustedForwarded: scope.trustedForwarded, identity: s ? deps.identity.request(s) : [] });
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    // As oauth2-proxy does, an authenticated response also carries the identity (GAP-Auth, and
    // X-Auth-Request-* with --set-xauthrequest) for gateways in front that read it.
    if (s) for (const [name, value] of deps.identity.response(s)) res.setHeader(name, value);
    try {
      await deps.upstream.forward(req, res, m.route, headers);
    } catch (err) {
      deps.fail(req, res, scope, err);
    }
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, s: SessionState | undefined): void => {
    const m = router.match(req.url ?? '/');
    if (!m || m.redirect !== undefined) return rejectUpgrade(socket, 404);
    scope.upstream = m.route.id;
    const headers = rules.request(req, m.route, { trustedForwarded: scope.trustedForwarded, identity: s ? deps.identity.request(s) : [] });
    deps.upstream.upgrade(req, socket, head, m.route, headers);
  };

  return Object.assign(step, { upgrade });
}
