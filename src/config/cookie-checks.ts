// The checks of the session cookie's own settings, shared by the global --cookie-* options and the
// per-host cookie overrides of host-based routing, so both are held to the same rules and wording.
import { formatDuration } from './duration.js';
import type { Config } from './types.js';

const SAMESITE_VALUES = new Set(['', 'lax', 'strict', 'none']);
// RFC 6265 cookie-name = token (RFC 2616 / 7230 tchar).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export type CookieSettings = Pick<Config, 'cookieName' | 'cookieSamesite' | 'cookieExpire' | 'cookieRefresh' | 'cookieCsrfExpire'>;

/** [flag, problem] pairs; the problem reads on after the flag's name. */
export function cookieProblems(c: CookieSettings): Array<[flag: string, problem: string]> {
  const out: Array<[string, string]> = [];
  if (c.cookieExpire < 0) out.push(['cookie-expire', `must not be negative (got ${formatDuration(c.cookieExpire)})`]);
  if (c.cookieRefresh < 0) {
    out.push(['cookie-refresh', `must not be negative (got ${formatDuration(c.cookieRefresh)})`]);
  } else if (c.cookieExpire > 0 && c.cookieRefresh >= c.cookieExpire) {
    out.push(['cookie-refresh', `must be less than --cookie-expire (${formatDuration(c.cookieRefresh)} >= ${formatDuration(c.cookieExpire)})`]);
  }
  if (!SAMESITE_VALUES.has(c.cookieSamesite)) {
    out.push(['cookie-samesite', `${JSON.stringify(c.cookieSamesite)} is not one of lax, strict, none or empty`]);
  }
  if (!TOKEN.test(c.cookieName)) {
    out.push(['cookie-name', `${JSON.stringify(c.cookieName)} is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only)`]);
  } else if (c.cookieName.length > 256) {
    out.push(['cookie-name', `must be at most 256 characters (got ${c.cookieName.length})`]);
  }
  if (c.cookieCsrfExpire <= 0) out.push(['cookie-csrf-expire', `must be greater than 0 (got ${formatDuration(c.cookieCsrfExpire)})`]);
  return out;
}
