// What the sign-in flow needs from an identity provider. Kept free of anything OIDC-specific so
// OAuth2-only providers (GitHub and friends) can implement it the same way.

import { ProxyError } from '../errors.js';
import type { SessionState } from '../session/state.js';

export interface AuthorizationRequest {
  redirectUri: string;
  state: string;
  /** Sent only when the provider checks nonces; the caller keeps it for `redeem`. */
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

export interface RedeemRequest {
  code: string;
  /** The redirect URI used in the authorization request; the token request must repeat it exactly. */
  redirectUri: string;
  /** The state the caller issued; the callback's `state` must equal it. */
  state: string;
  nonce?: string;
  codeVerifier?: string;
  /** The full callback URL as received (its query carries code, state, iss or error). */
  callbackUrl: URL;
}

export interface Provider {
  readonly id: string;
  readonly displayName: string;
  readonly supportsRefresh: boolean;
  /**
   * The groups that authorize a user, when the provider decides them: keycloak-oidc adds
   * `role:<r>` for --allowed-role, gitlab and google replace --allowed-group with their own lists.
   * Undefined means --allowed-group as configured.
   */
  readonly allowedGroups?: readonly string[];
  /** Discovery and other start-up work; rejects with a ProviderError naming the issuer. */
  init(): Promise<void>;
  /** The PKCE method to use: the configured one, else S256 when the provider advertises it, else ''. */
  pkceMethod(): 'S256' | 'plain' | '';
  authorizationUrl(r: AuthorizationRequest): URL;
  /**
   * Exchanges the code, validates the ID token and builds a fresh session. The provider's own rules
   * (GitHub organisations, Bitbucket teams, Entra tenants…) are applied here and refuse with the
   * ProviderError code 'unauthorized', whose message lists the reasons for the auth log.
   */
  redeem(r: RedeemRequest): Promise<SessionState>;
  /**
   * Runs the refresh_token grant and returns a new session (createdAt = now). Rejects with a
   * ProviderError; `fatal` tells whether the session must end. A session without a refresh token
   * rejects with the non-fatal code 'no_refresh_token' and should simply be kept as it is.
   */
  refresh(s: SessionState): Promise<SessionState>;
  /**
   * Optional, OIDC only: what sign-out and back-channel logout need from the issuer's metadata.
   * undefined before init() completes.
   */
  logoutMetadata?(): LogoutMetadata | undefined;
}

export interface LogoutMetadata {
  issuer: string;
  clientId: string;
  jwksUri: string;
  /** RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0), when advertised. */
  endSessionEndpoint?: string;
}

/** Codes after which the session can never be refreshed again, so keeping it would be pointless. */
const FATAL_CODES = new Set(['invalid_grant', 'invalid_client']);

/** Codes that describe the user or their token rather than an outage: shown as 403, not 500. */
const USER_FACING_CODES = new Set([
  'access_denied',
  'email_unverified',
  'missing_email',
  'id_token_invalid',
  'state_mismatch',
  'invalid_grant',
  'login_required',
  'consent_required',
  'interaction_required',
  'unauthorized',
]);

export class ProviderError extends Error {
  /** Stable machine-readable reason, e.g. 'invalid_grant', 'email_unverified', 'network', 'discovery'. */
  readonly code: string;
  /** true ⇒ the session must end (the IdP said the grant or the client is no longer valid). */
  readonly fatal: boolean;

  constructor(code: string, message: string, opts: { fatal?: boolean; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.code = code;
    this.fatal = opts.fatal ?? FATAL_CODES.has(code);
  }

  /**
   * The error to send to the browser. Messages never carry tokens, codes or secrets, so problems
   * with the user's identity are shown as they are; outages become a 500 without details.
   */
  toProxyError(): ProxyError {
    // The reasons of a refusal by the provider's rules are for the auth log, not for the browser.
    if (this.code === 'unauthorized') {
      return new ProxyError('FORBIDDEN', 'You do not have permission to access this resource.', { cause: this });
    }
    if (USER_FACING_CODES.has(this.code)) {
      return new ProxyError('PROVIDER_ERROR', this.message, { cause: this, expose: true });
    }
    return new ProxyError('LOGIN_FAILED', this.message, { cause: this });
  }
}

export function isProviderError(err: unknown): err is ProviderError {
  return err instanceof ProviderError;
}
