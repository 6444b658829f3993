// What the proxy knows about a signed-in user. Field names follow oauth2-proxy's session state
// (user, email, groups, preferred username, tokens, created/expires times) so the headers derived
// from it match what oauth2-proxy sends.
import { randomBytes } from 'node:crypto';

export interface SessionState {
  /** Subject or provider user name: X-Forwarded-User / X-Auth-Request-User. */
  user: string;
  email: string;
  groups: string[];
  preferredUsername?: string;
  accessToken?: string;
  idToken?: string;
  refreshToken?: string;
  /** ms since epoch; reset by every refresh (oauth2-proxy's CreatedAt). */
  createdAt: number;
  /** ms since epoch at which the access token expires; 0 when unknown. */
  expiresOn: number;
  /** Which configured provider issued the session. */
  providerId?: string;
  /**
   * Cookie sessions: a random id given at sign-in and kept by every refresh, while the cookie's
   * value changes with each. Open websockets are registered under it, so a sign-out with a
   * refreshed cookie still finds the websockets opened with an earlier one.
   */
  localId?: string;
}

/** A session signed in just now, with the local id that will name it across refreshes. */
export function withLocalId(s: SessionState): SessionState {
  return s.localId === undefined ? { ...s, localId: randomBytes(12).toString('base64url') } : s;
}

export function sessionAgeMs(s: SessionState, now: number): number {
  return now - s.createdAt;
}

export function isExpired(s: SessionState, now: number): boolean {
  return s.expiresOn > 0 && s.expiresOn <= now;
}

/** --session-cookie-minimal: the session as stored, with the access, ID and refresh tokens left out. */
export function withoutTokens(s: SessionState): SessionState {
  const { accessToken: _a, idToken: _i, refreshToken: _r, ...rest } = s;
  return rest;
}
