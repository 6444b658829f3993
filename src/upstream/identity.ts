// Identity headers derived from a session, following oauth2-proxy's legacy header flags so that
// apps and ingress rules written for oauth2-proxy see the same names and values.
//
// Values come from IdP claims, which can contain anything. A value with a control character
// (CR, LF, NUL, ...) is dropped rather than injected, so a claim can never split or smuggle a
// header. Non-ASCII text is sent as its UTF-8 bytes, which is what oauth2-proxy puts on the wire.

import type { SessionState } from '../session/state.js';

export type HeaderPair = [name: string, value: string];

export interface IdentityHeaderOptions {
  passUserHeaders: boolean;
  passAccessToken: boolean;
  passAuthorizationHeader: boolean;
  setXAuthRequest: boolean;
  setAuthorizationHeader: boolean;
  preferEmailToUser: boolean;
  passBasicAuth: boolean;
  /** With passBasicAuth, also sends `Authorization: Basic` (user or email : this password). */
  basicAuthPassword?: string;
  /** Adds `Authorization: Basic` to responses, as oauth2-proxy's set-basic-auth does. */
  setBasicAuth?: boolean;
}

export interface IdentityHeaders {
  /** Headers for the upstream request; empty values produce no header. */
  request(s: SessionState): HeaderPair[];
  /** Headers for the client response (`/oauth2/auth` and auth_request setups). */
  response(s: SessionState): HeaderPair[];
  /**
   * Whether a client-sent header must be removed, given its name lower-cased with `_` read as `-`.
   * Covers every identity header whether or not it is injected, so a spoofed one never reaches
   * the upstream even when the flag that would set it is off.
   */
  strips(normalisedName: string): boolean;
}

type Source = (s: SessionState) => string | undefined;
interface HeaderSource {
  name: string;
  value: Source;
}

const ALWAYS_STRIPPED = [
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
  'gap-auth',
];
const X_AUTH_REQUEST = 'x-auth-request-';

const user: Source = (s) => s.user;
const email: Source = (s) => s.email;
const preferredUsername: Source = (s) => s.preferredUsername;
const groups: Source = (s) => joinGroups(s.groups);
const accessToken: Source = (s) => s.accessToken;
const bearerIdToken: Source = (s) => (s.idToken ? 'Bearer ' + s.idToken : undefined);
const emailOrUser: Source = (s) => (s.email ? s.email : s.user);

export function createIdentityHeaders(opts: IdentityHeaderOptions): IdentityHeaders {
  const req: HeaderSource[] = [];
  const res: HeaderSource[] = [];
  const basicAuth = (password: string): Source => {
    const who = opts.preferEmailToUser ? email : user;
    return (s) => {
      const name = who(s);
      return name ? 'Basic ' + Buffer.from(name + ':' + password, 'utf8').toString('base64') : undefined;
    };
  };

  const injectsBearer = opts.passAuthorizationHeader;
  const injectsBasic = opts.passBasicAuth && !!opts.basicAuthPassword;
  // Two Authorization lines would be merged into one invalid value by most servers, so the
  // id token wins when both flags are on.
  if (injectsBearer) req.push({ name: 'Authorization', value: bearerIdToken });
  else if (injectsBasic) req.push({ name: 'Authorization', value: basicAuth(opts.basicAuthPassword!) });

  if (opts.passUserHeaders || opts.passBasicAuth) {
    if (opts.preferEmailToUser) {
      req.push({ name: 'X-Forwarded-User', value: email });
    } else {
      req.push({ name: 'X-Forwarded-User', value: user }, { name: 'X-Forwarded-Email', value: email });
    }
    req.push({ name: 'X-Forwarded-Preferred-Username', value: preferredUsername }, { name: 'X-Forwarded-Groups', value: groups });
  }
  if (opts.passAccessToken) req.push({ name: 'X-Forwarded-Access-Token', value: accessToken });
  if (opts.setXAuthRequest) {
    // Unlike oauth2-proxy, which only puts these on responses, they are also sent upstream: apps
    // deployed behind the sidecar read the signed-in user from X-Auth-Request-* request headers,
    // as the deployment guide shows, and there is no ingress in front to copy them over.
    req.push(
      { name: 'X-Auth-Request-User', value: user },
      { name: 'X-Auth-Request-Email', value: email },
      { name: 'X-Auth-Request-Preferred-Username', value: preferredUsername },
      { name: 'X-Auth-Request-Groups', value: groups },
    );
  }

  if (opts.setXAuthRequest) {
    res.push(
      { name: 'X-Auth-Request-User', value: user },
      { name: 'X-Auth-Request-Email', value: email },
      { name: 'X-Auth-Request-Preferred-Username', value: preferredUsername },
      { name: 'X-Auth-Request-Groups', value: groups },
    );
    if (opts.passAccessToken) res.push({ name: 'X-Auth-Request-Access-Token', value: accessToken });
  }
  if (opts.setAuthorizationHeader) res.push({ name: 'Authorization', value: bearerIdToken });
  else if (opts.setBasicAuth) res.push({ name: 'Authorization', value: basicAuth(opts.basicAuthPassword ?? '') });
  res.push({ name: 'GAP-Auth', value: emailOrUser });

  const stripped = new Set(ALWAYS_STRIPPED);
  if (injectsBearer || injectsBasic) stripped.add('authorization');

  return {
    request: (s) => render(req, s),
    response: (s) => render(res, s),
    strips: (n) => stripped.has(n) || n.startsWith(X_AUTH_REQUEST),
  };
}

function render(sources: readonly HeaderSource[], s: SessionState): HeaderPair[] {
  const out: HeaderPair[] = [];
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i];
    const v = headerValue(src.value(s));
    if (v !== undefined) out.push([src.name, v]);
  }
  return out;
}

// Anything outside visible ASCII, space and tab needs a closer look.
const NOT_PLAIN = /[^\t\x20-\x7e]/;
// Control characters other than tab can end or corrupt a header line.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * A claim as a header value, or undefined when it must not be sent: empty, or containing a
 * control character. Non-ASCII text becomes its UTF-8 bytes (one char per byte) so Node writes the
 * same bytes oauth2-proxy would.
 */
export function headerValue(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!NOT_PLAIN.test(v)) return v;
  if (CONTROL.test(v)) return undefined;
  return Buffer.from(v, 'utf8').toString('latin1');
}

function joinGroups(gs: readonly string[] | undefined): string | undefined {
  if (gs === undefined || gs.length === 0) return undefined;
  let out = '';
  for (let i = 0; i < gs.length; i++) {
    const g = gs[i];
    // One bad group is left out rather than taking the whole header with it.
    if (g === '' || CONTROL.test(g)) continue;
    out = out === '' ? g : out + ',' + g;
  }
  return out === '' ? undefined : out;
}

/**
 * The same headers, rendered once per session object. The decoded-session caches hand every
 * request of a session the same object, so its headers (whose checks scan every token) are built
 * on its first request only. Frozen, because every later request shares them.
 */
export function perSession(inner: IdentityHeaders): IdentityHeaders {
  const requests = new WeakMap<SessionState, HeaderPair[]>();
  const responses = new WeakMap<SessionState, HeaderPair[]>();
  const once = (cache: WeakMap<SessionState, HeaderPair[]>, make: (s: SessionState) => HeaderPair[]) => (s: SessionState): HeaderPair[] => {
    let v = cache.get(s);
    if (v === undefined) {
      v = Object.freeze(make(s)) as HeaderPair[];
      cache.set(s, v);
    }
    return v;
  };
  return { request: once(requests, (s) => inner.request(s)), response: once(responses, (s) => inner.response(s)), strips: inner.strips };
}

