// Small, allocation-light response writers shared by every handler, and the one error responder:
// HTML pages for browsers, JSON for API clients, and never internals in a 5xx.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { toProxyError, type ProxyError } from '../errors.js';
import type { RequestScope } from './scope.js';

/** oauth2-proxy marks every response of its own endpoints uncacheable (except /auth). */
export function setNoCache(res: ServerResponse): void {
  res.setHeader('Cache-Control', 'no-cache, no-store, must-revalidate, max-age=0');
  res.setHeader('Expires', 'Thu, 01 Jan 1970 00:00:00 UTC');
  res.setHeader('X-Accel-Expires', '0');
}

export function appendSetCookies(res: ServerResponse, cookies: string[]): void {
  if (cookies.length === 0) return;
  const prev = res.getHeader('Set-Cookie');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
  res.setHeader('Set-Cookie', list.concat(cookies));
}

export function sendText(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, body: string, csp?: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  if (csp) res.setHeader('Content-Security-Policy', csp);
  res.end(body);
}

// Redirect targets may legally hold control or non-ASCII characters (`rd=/a%0d%0a`); a header value
// cannot. Percent-encoding them keeps the target while the header stays one well-formed line.
const HAS_UNSAFE = /[^\x21-\x7e]/;
const UNSAFE_CHAR = /[^\x21-\x7e]/gu;

function percentEncode(c: string): string {
  let out = '';
  for (const b of Buffer.from(c, 'utf8')) out += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  return out;
}

export function safeLocation(location: string): string {
  return HAS_UNSAFE.test(location) ? location.replace(UNSAFE_CHAR, percentEncode) : location;
}

export function redirect(res: ServerResponse, location: string, status = 302): void {
  res.statusCode = status;
  res.setHeader('Location', safeLocation(location));
  res.setHeader('Content-Length', 0);
  res.end();
}

/** oauth2-proxy's rule: JSON when the Accept header lists exactly `application/json`. */
export function acceptsJson(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (!accept) return false;
  for (const part of accept.split(',')) {
    const semi = part.indexOf(';');
    const type = (semi === -1 ? part : part.slice(0, semi)).trim().toLowerCase();
    if (type === 'application/json') return true;
  }
  return false;
}

// Fetch metadata is set by the browser and cannot be forged by a page's scripts, so when present it
// decides; X-Requested-With and Accept are what older browsers and XHR libraries leave to go by.
const BACKGROUND_MODES = new Set(['cors', 'same-origin', 'no-cors']);

function single(v: string | string[] | undefined): string | undefined {
  return (Array.isArray(v) ? v[0] : v)?.trim().toLowerCase();
}

/**
 * A page's background request (fetch, XHR, beacon) rather than a navigation or a subresource: it can
 * follow neither a redirect to the provider (CORS) nor a sign-in page.
 */
export function isBackgroundRequest(req: IncomingMessage): boolean {
  const mode = single(req.headers['sec-fetch-mode']);
  if (mode === 'navigate') return false;
  const dest = single(req.headers['sec-fetch-dest']);
  if (dest !== undefined && dest !== 'empty') return false;
  if (dest === 'empty' && mode !== undefined && BACKGROUND_MODES.has(mode)) return true;
  return single(req.headers['x-requested-with']) === 'xmlhttprequest' || acceptsJson(req);
}

/** The request headers isBackgroundRequest reads: an answer chosen by them must vary on them. */
export const BACKGROUND_VARY = 'Sec-Fetch-Mode, Sec-Fetch-Dest, Accept, X-Requested-With';

export interface ErrorPageRenderer {
  (v: { statusCode: number; title?: string; message: string; redirect?: string; requestId: string }): string;
}

export interface ErrorResponderDeps {
  renderErrorPage: ErrorPageRenderer;
  csp: string | undefined;
  forceJsonErrors: boolean;
  onServerError: (scope: RequestScope, err: ProxyError) => void;
}

export type ErrorResponder = (req: IncomingMessage, res: ServerResponse, scope: RequestScope, err: unknown, redirectTo?: string) => void;

export function createErrorResponder(deps: ErrorResponderDeps): ErrorResponder {
  return (req, res, scope, thrown, redirectTo) => {
    const err = toProxyError(thrown);
    if (err.status >= 500) deps.onServerError(scope, err);
    if (res.headersSent) {
      // Too late for a page: cut the connection so the client never mistakes a partial body for a whole one.
      res.destroy();
      return;
    }
    const message = err.expose ? err.message : `Something went wrong. If it keeps happening, quote request id ${scope.id}.`;
    appendSetCookies(res, scope.setCookies);
    scope.setCookies = [];
    if (deps.forceJsonErrors || acceptsJson(req)) {
      sendJson(res, err.status, { error: STATUS_CODES[err.status] ?? 'Error', code: err.code, message, request_id: scope.id });
      return;
    }
    sendHtml(res, err.status, deps.renderErrorPage({ statusCode: err.status, message, redirect: redirectTo, requestId: scope.id }), deps.csp);
  };
}
