// <prefix>/callback: the provider sends the browser back here. The order of checks matters:
// provider error first, then state and the CSRF cookie (before any code is redeemed), then the
// redemption, then authorization, and only then a session. The provider that redeems is the one the
// sign-in began with, as sealed in the CSRF cookie.
import { decide, type Policy } from '../authz/decide.js';
import { ProxyError } from '../errors.js';
import { appendSetCookies, redirect } from '../http/respond.js';
import type { Log } from '../log.js';
import { ProviderError, type Provider } from '../providers/provider.js';
import type { ProviderSet } from '../providers/registry.js';
import type { SessionState } from '../session/state.js';
import type { Csrf } from '../session/csrf.js';
import type { SessionStore } from '../session/store.js';
import { cookieContextOf } from '../http/cookie-context.js';
import { readForm } from './form.js';
import type { Handler } from '../http/pipeline.js';
import type { LoginFlow } from './login-flow.js';
import type { ErrorResponder } from '../http/respond.js';
import { goQuery, type QueryParser } from '../http/query.js';
import { withLocalId, withoutTokens } from '../session/state.js';

export interface CallbackDeps {
  /** The default provider. */
  provider: Provider;
  /** Every provider, when there are several. */
  providers?: ProviderSet;
  csrf: Csrf;
  store: SessionStore;
  flow: LoginFlow;
  /** The rules for a session (allowed groups are per provider). */
  policy: (s?: SessionState) => Policy;
  isValidRedirect: (target: string) => boolean;
  skipNonce: boolean;
  log: Log;
  fail: ErrorResponder;
  /** --allow-query-semicolons decides how the query is read. */
  parseQuery?: QueryParser;
  /** --encode-state: the state parameter arrives base64url-encoded. */
  encodeState?: boolean;
  /** --session-cookie-minimal: tokens are dropped before the session is stored. */
  minimalSession?: boolean;
  now?: () => number;
}

const MAX_PARAM = 2048;

function providerFailure(err: ProviderError): ProxyError {
  switch (err.code) {
    case 'email_unverified':
      return new ProxyError('FORBIDDEN', 'Your email address is not verified by the identity provider.');
    case 'unauthorized':
      return new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.');
    case 'missing_email':
      return new ProxyError('FORBIDDEN', 'The identity provider did not return an email address for your account.');
    case 'id_token_invalid':
    case 'invalid_grant':
      return new ProxyError('LOGIN_FAILED', 'The sign-in could not be completed: the identity provider’s answer was not valid. Please try again.', { status: 403, cause: err });
    default:
      return new ProxyError('LOGIN_FAILED', 'sign-in failed', { status: 500, cause: err });
  }
}

export function makeCallback(deps: CallbackDeps): Handler {
  const now = deps.now ?? Date.now;
  const parseQuery = deps.parseQuery ?? goQuery;
  return async (req, res, scope) => {
    const auth = (status: 'AuthSuccess' | 'AuthFailure' | 'AuthError', reason: string, user = '') =>
      deps.log.auth({ requestId: scope.id, client: scope.clientIp, user, status, reason });
    const params = req.method === 'POST' ? await readForm(req) : parseQuery(scope.query);
    const error = params.get('error');
    if (error !== null) {
      auth('AuthFailure', `provider returned error: ${error.slice(0, 100)}`);
      const description = params.get('error_description');
      const detail = (description ? `${error}: ${description}` : error).slice(0, MAX_PARAM);
      deps.fail(req, res, scope, new ProxyError('PROVIDER_ERROR', `Login failed: the identity provider returned an error: ${detail}`));
      return;
    }
    const state = params.get('state');
    const code = params.get('code');
    if (!state || !code || state.length > MAX_PARAM * 4 || code.length > MAX_PARAM * 4) {
      auth('AuthFailure', !state ? 'callback without state' : 'callback without code');
      deps.fail(req, res, scope, new ProxyError('STATE_INVALID', 'This sign-in link is incomplete or malformed. Please sign in again.'));
      return;
    }
    const ctx = cookieContextOf(req, scope);
    const checked = deps.csrf.verifyCallback(ctx, deps.encodeState ? decodeState(state) : state, now());
    if (checked.clearCookie) scope.setCookies.push(checked.clearCookie);
    if (!checked.ok) {
      auth('AuthFailure', `CSRF check failed: ${checked.reason}`);
      deps.fail(req, res, scope, new ProxyError('CSRF_INVALID', 'Unable to find a valid CSRF token. Please sign in again.'));
      return;
    }
    const provider = checked.providerId === undefined ? deps.provider : deps.providers?.get(checked.providerId);
    if (provider === undefined) {
      auth('AuthFailure', 'CSRF check failed: the sign-in began with a provider that is no longer configured');
      deps.fail(req, res, scope, new ProxyError('CSRF_INVALID', 'Unable to find a valid CSRF token. Please sign in again.'));
      return;
    }
    const callbackUrl = deps.flow.callbackUrl(scope);
    let session;
    try {
      session = await provider.redeem({
        code,
        redirectUri: callbackUrl,
        state,
        nonce: deps.skipNonce ? undefined : checked.nonceParam,
        codeVerifier: checked.codeVerifier,
        // A relative callback URL (--relative-redirect-url) is resolved against this request.
        callbackUrl: new URL(`${callbackUrl}?${params.toString()}`, `${scope.scheme}://${scope.host || 'localhost'}`),
      });
    } catch (err) {
      const pe = err instanceof ProviderError ? err : new ProviderError('error', 'redeem failed', { cause: err });
      // A refusal by the provider's own rules (GitHub org, Bitbucket team…) logs its reasons.
      auth(pe.code === 'network' || pe.code === 'error' ? 'AuthError' : 'AuthFailure', pe.code === 'unauthorized' ? `unauthorized: ${pe.message}` : `code redemption failed: ${pe.code}`);
      deps.fail(req, res, scope, providerFailure(pe));
      return;
    }
    const verdict = decide(deps.policy(session), session);
    if (!verdict.allow) {
      auth('AuthFailure', `unauthorized: ${verdict.reasons.join('; ')}`, session.email || session.user);
      deps.fail(req, res, scope, new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.'));
      return;
    }
    const target = deps.isValidRedirect(checked.redirect) ? checked.redirect : '/';
    // A new ticket for every sign-in: one the browser brought (perhaps planted) is never adopted.
    const stored = withLocalId(deps.minimalSession ? withoutTokens(session) : session);
    scope.setCookies.push(...(await deps.store.save(ctx, stored, { fresh: true })));
    scope.user = session.email || session.user;
    auth('AuthSuccess', 'signed in', scope.user);
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    redirect(res, target);
  };
}

// An undecodable value yields one the CSRF check refuses as malformed.
function decodeState(encoded: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(encoded)) return '';
  return Buffer.from(encoded, 'base64url').toString('utf8');
}
