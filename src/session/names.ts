// Names of the cookies the proxy owns, derived from --cookie-name: the session cookie `<name>`, its
// split parts `<name>_0` … `<name>_N`, and the sign-in CSRF cookies `<name>_csrf` and
// `<name>_<8 chars>_csrf`. Matching is plain string work, because the upstream-forwarding path asks
// about every cookie of every request.

/** oauth2-proxy cuts part names to 256 characters; cutting the same way keeps them interchangeable. */
export const MAX_COOKIE_NAME_LENGTH = 256;

export function chunkCookieName(name: string, index: number): string {
  const suffix = '_' + index;
  return name.length + suffix.length > MAX_COOKIE_NAME_LENGTH
    ? name.slice(0, MAX_COOKIE_NAME_LENGTH - suffix.length) + suffix
    : name + suffix;
}

/** Number of a chunk cookie of `base` (`<base>_N`, also in its length-capped form), else -1. */
export function chunkIndexOf(base: string, candidate: string): number {
  const us = candidate.lastIndexOf('_');
  if (us <= 0 || us === candidate.length - 1) return -1;
  let n = 0;
  for (let i = us + 1; i < candidate.length; i++) {
    const c = candidate.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
    if (n > 1e6) return -1;
  }
  // Round-trip through the name builder so `_007` or a truncation that does not fit is not a chunk.
  return chunkCookieName(base, n) === candidate ? n : -1;
}

function isDigitsFrom(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * `<name>` or `<name>_<digits>` (oauth2-proxy's `^<name>(_\d+)?$`, so `_007` counts too), or a
 * length-capped part name: every cookie to expire when the session is cleared or rewritten.
 */
export function isSessionPartName(base: string, candidate: string): boolean {
  if (candidate === base) return true;
  if (candidate.length > base.length + 1 && candidate.startsWith(base) && candidate.charCodeAt(base.length) === 0x5f) {
    if (isDigitsFrom(candidate, base.length + 1)) return true;
  }
  return candidate.length === MAX_COOKIE_NAME_LENGTH && chunkIndexOf(base, candidate) >= 0;
}

export const CSRF_SUFFIX = '_csrf';
/** Length of the state-hash prefix in per-request CSRF cookie names. */
export const CSRF_ID_LENGTH = 8;

export function csrfCookieName(base: string, perRequestId?: string): string {
  return perRequestId === undefined ? base + CSRF_SUFFIX : base + '_' + perRequestId + CSRF_SUFFIX;
}

function isB64UrlChar(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f
  );
}

/** `<base>_<8 base64url chars>_csrf` */
export function isPerRequestCsrfName(base: string, candidate: string): boolean {
  if (candidate.length !== base.length + 1 + CSRF_ID_LENGTH + CSRF_SUFFIX.length) return false;
  if (!candidate.startsWith(base) || !candidate.endsWith(CSRF_SUFFIX)) return false;
  if (candidate.charCodeAt(base.length) !== 0x5f) return false;
  for (let i = base.length + 1; i < base.length + 1 + CSRF_ID_LENGTH; i++) {
    if (!isB64UrlChar(candidate.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * A predicate for "this request cookie is one of the proxy's own" (session, its chunks, CSRF), used
 * to keep them away from the upstream. Built once per cookie name.
 */
export function sessionCookieMatcher(cookieName: string): (name: string) => boolean {
  const prefix = cookieName + '_';
  const csrf = csrfCookieName(cookieName);
  return function isSessionCookieName(name: string): boolean {
    if (name === cookieName) return true;
    // Every derived name shares the prefix except chunk names of a long base cut to the length cap.
    if (!name.startsWith(prefix)) return name.length === MAX_COOKIE_NAME_LENGTH && chunkIndexOf(cookieName, name) >= 0;
    return name === csrf || isPerRequestCsrfName(cookieName, name) || isSessionPartName(cookieName, name);
  };
}
