import type { IncomingMessage } from 'node:http';
import type { RequestScope } from '../http/scope.js';
import { parseCookies } from '../session/cookies.js';
import type { CookieContext } from '../session/store.js';

/** Parses the Cookie header at most once per request. */
export function cookieContextOf(req: IncomingMessage, scope: RequestScope): CookieContext {
  if (scope.cookies === undefined) scope.cookies = parseCookies(req.headers.cookie);
  return { cookies: scope.cookies, host: scope.host };
}
