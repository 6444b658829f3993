// Who a session belongs to at the provider: the `sub` and the IdP session id `sid` of its ID token.
// Server-side stores index sessions by both so that a sign-out everywhere, or a back-channel logout
// naming either, can find them. The token was verified when the session was made; here it is only
// read.

import type { SessionState } from './state.js';

export interface SessionSubject {
  sub: string;
  sid?: string;
}

export function sessionSubject(s: SessionState): SessionSubject {
  const claims = idTokenClaims(s.idToken);
  const sub = typeof claims?.sub === 'string' && claims.sub !== '' ? claims.sub : s.user;
  const out: SessionSubject = { sub };
  if (typeof claims?.sid === 'string' && claims.sid !== '') out.sid = claims.sid;
  return out;
}

/** The payload of an ID token already verified when the session was made; undefined when unreadable. */
export function idTokenClaims(token: string | undefined): Record<string, unknown> | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
