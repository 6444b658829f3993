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
import type { RequestSigner } from '../upstream/signature.js';
import { ASSERTION_HEADER, type IdentityAssertion } from '../upstream/assertion.js';
import type { OutgoingHeaders } from '../upstream/headers.js';
import type { Route } from '../upstream/routes.js';
import type { TunnelHold } from '../upstream/session-tunnels.js';

// A signed body has to be held in memory; larger ones are refused rather than risking the process.
const MAX_SIGNED_BODY = 16 * 1024 * 1024;

export interface ForwardStep {
  (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState | undefined): Promise<void>;
  /** `held`: the session's hold on the tunnel, so that the tunnel ends with the session. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, s: SessionState | undefined, held?: TunnelHold): void;
}

export interface ForwardDeps {
  upstream: UpstreamProxy;
  identity: IdentityHeaders;
  isOwnCookie: (name: string) => boolean;
  fail: ErrorResponder;
  /** --signature-key: GAP-Auth and GAP-Signature on every upstream request. */
  signer?: RequestSigner;
  /** --identity-assertion: X-Auth-Request-Jwt on every upstream request with a session. */
  assertion?: IdentityAssertion;
}

export function makeForward(deps: ForwardDeps): ForwardStep {
  const { strips } = deps.identity;
  // A client-sent signature must never reach an upstream that might trust it.
  // Nor a client-sent assertion, whatever the identity header configuration strips.
  const rules = createHeaderRules({ strips: (n) => n === 'gap-signature' || n === 'x-auth-request-jwt' || strips(n), isOwnCookie: deps.isOwnCookie });
  const router = deps.upstream.router;
  const signer = deps.signer;
  const assertion = deps.assertion;

  // Synchronous while the session's cached token is still fresh; awaits only a new signature.
  const assertionFor = (s: SessionState | undefined, route: Route): string | Promise<string> | undefined =>
    assertion === undefined || s === undefined || route.kind !== 'proxy' ? undefined : assertion.token(s, assertion.audience ?? route.origin);

  // oauth2-proxy copies its GAP-Auth response value (empty without a session) onto the request.
  const sign = (req: IncomingMessage, headers: OutgoingHeaders, s: SessionState | undefined, body: Buffer | undefined): void => {
    if (signer === undefined) return;
    headers.push('GAP-Auth', s ? s.email || s.user : '');
    headers.push('GAP-Signature', signer.sign(req.method ?? 'GET', req.url ?? '/', headers, body));
  };

  const step = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope, s: SessionState | undefined): Promise<void> => {
    const m = router.match(req.url ?? '/');
    if (!m) return deps.fail(req, res, scope, new ProxyError('NOT_FOUND', 'No upstream serves this path.'));
    if (m.redirect !== undefined) return redirect(res, m.redirect, 301);
    scope.upstream = m.route.id;
    const headers = rules.request(req, m.route, { trustedForwarded: scope.trustedForwarded, identity: s ? deps.identity.request(s) : [] });
    const jwt = assertionFor(s, m.route);
    if (jwt !== undefined) {
      try {
        headers.push(ASSERTION_HEADER, typeof jwt === 'string' ? jwt : await jwt);
      } catch (err) {
        return deps.fail(req, res, scope, err);
      }
    }
    let body: Buffer | undefined;
    if (signer !== undefined && m.route.kind === 'proxy') {
      // As hmacauth does, a body of announced length is part of the signature; a chunked one is not.
      if (req.headers['content-length'] !== undefined) {
        try {
          body = await readBody(req, MAX_SIGNED_BODY);
        } catch (err) {
          return deps.fail(req, res, scope, err);
        }
      }
      sign(req, headers, s, body);
    }
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    // As oauth2-proxy does, an authenticated response also carries the identity (GAP-Auth, and
    // X-Auth-Request-* with --set-xauthrequest) for gateways in front that read it.
    if (s) for (const [name, value] of deps.identity.response(s)) res.setHeader(name, value);
    try {
      await deps.upstream.forward(req, res, m.route, headers, body);
    } catch (err) {
      deps.fail(req, res, scope, err);
    }
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, scope: RequestScope, s: SessionState | undefined, held?: TunnelHold): void => {
    const m = router.match(req.url ?? '/');
    if (!m || m.redirect !== undefined) return rejectUpgrade(socket, 404);
    scope.upstream = m.route.id;
    const route = m.route;
    const headers = rules.request(req, route, { trustedForwarded: scope.trustedForwarded, identity: s ? deps.identity.request(s) : [] });
    const finish = (jwt: string | undefined): void => {
      if (jwt !== undefined) headers.push(ASSERTION_HEADER, jwt);
      sign(req, headers, s, undefined);
      deps.upstream.upgrade(req, socket, head, route, headers, held && ((up) => held.attach(up)));
    };
    const jwt = assertionFor(s, route);
    if (typeof jwt === 'object') jwt.then(finish, () => rejectUpgrade(socket, 500));
    else finish(jwt);
  };

  return Object.assign(step, { upgrade });
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        reject(new ProxyError('BAD_REQUEST', 'Request body too large to sign.', { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', (err) => reject(new ProxyError('BAD_REQUEST', 'request body could not be read', { cause: err })));
  });
}
