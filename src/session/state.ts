// What the proxy knows about a signed-in user. Field names follow oauth2-proxy's session state
// (user, email, groups, preferred username, tokens, created/expires times) so the headers derived
// from it match what oauth2-proxy sends.

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
