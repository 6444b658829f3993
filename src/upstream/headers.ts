// The request headers an upstream receives, built in one pass over the client's raw headers.
//
// Order of operations matters for safety:
//   1. client headers are filtered: hop-by-hop headers and every header the client's Connection
//      header names are dropped, identity headers (any case, `_` read as `-`) are dropped, the
//      proxy's own cookies are cut out of Cookie, forwarding headers are kept only from a trusted
//      reverse proxy;
//   2. only then are the proxy's headers appended (identity, X-Forwarded-*, Host), so nothing a
//      client sends, including `Connection: X-Forwarded-User`, can remove or shadow them.
//
// Underscore variants of the headers handled here (`X_Forwarded_Host`, ...) are always dropped:
// CGI-style backends read them as the real header, which is how header smuggling past
// oauth2-proxy worked before it normalised names.
//
// Output is a flat [name, value, name, value, ...] list, the shape of `rawHeaders`, which both
// undici and node:http accept without conversion.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Route } from './routes.js';

/** Flat list of header names and values, as in `IncomingMessage.rawHeaders`. */
export type OutgoingHeaders = string[];

export interface HeaderRulesOptions {
  /** Whether a client header, lower-cased with `_` read as `-`, is an identity header to drop. */
  strips(normalisedName: string): boolean;
  /** Whether a cookie name belongs to the proxy (session, CSRF, ...): such cookies stay here. */
  isOwnCookie(name: string): boolean;
}

export interface RequestHeaderContext {
  /**
   * The peer is a trusted reverse proxy: its X-Forwarded-Proto/-Host (and the rest of the
   * forwarding family) are kept. Otherwise they are replaced by what this connection shows.
   */
  trustedForwarded: boolean;
  /** Headers to inject; empty for anonymous requests (stripping still happens). */
  identity: readonly (readonly [string, string])[];
}

export interface HeaderRules {
  /** Headers for the upstream request: filtered client headers followed by the proxy's own. */
  request(req: IncomingMessage, route: Route, ctx: RequestHeaderContext): OutgoingHeaders;
}

// What to do with a client header, keyed by lower-case name.
const enum Kind {
  Drop = 1,
  Host,
  Cookie,
  XForwardedFor,
  XForwardedProto,
  XForwardedHost,
  /** Other forwarding headers: trusted peers only. */
  Forwarding,
  ContentLength,
}

/** Removed in both directions: they describe one connection, not the message. */
export const HOP_BY_HOP: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
];

const KINDS = new Map<string, Kind>([
  ...HOP_BY_HOP.map((h) => [h, Kind.Drop] as [string, Kind]),
  // This hop already answered any 100-continue, and the upstream client refuses the header.
  ['expect', Kind.Drop],
  ['host', Kind.Host],
  ['cookie', Kind.Cookie],
  ['content-length', Kind.ContentLength],
  ['x-forwarded-for', Kind.XForwardedFor],
  ['x-forwarded-proto', Kind.XForwardedProto],
  ['x-forwarded-host', Kind.XForwardedHost],
  ['forwarded', Kind.Forwarding],
  ['x-forwarded-port', Kind.Forwarding],
  ['x-forwarded-prefix', Kind.Forwarding],
  ['x-forwarded-uri', Kind.Forwarding],
  ['x-real-ip', Kind.Forwarding],
]);

const HOP_SET = new Set(HOP_BY_HOP);

export function createHeaderRules(opts: HeaderRulesOptions): HeaderRules {
  const { strips, isOwnCookie } = opts;

  return {
    request(req, route, ctx) {
      const raw = req.rawHeaders;
      const out: OutgoingHeaders = [];
      const named = connectionTokens(req.headers.connection);
      const trusted = ctx.trustedForwarded;
      let host: string | undefined;
      let xff: string | undefined;
      let xfProto: string | undefined;
      let xfHost: string | undefined;
      let contentLength = false;

      for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i];
        const value = raw[i + 1];
        const lower = name.toLowerCase();
        if (named !== undefined && named.includes(lower)) continue;
        const underscored = lower.includes('_');
        const norm = underscored ? lower.replaceAll('_', '-') : lower;
        const kind = KINDS.get(norm);
        if (kind !== undefined) {
          if (underscored) continue;
          switch (kind) {
            case Kind.Host:
              if (host === undefined) host = value;
              continue;
            case Kind.Cookie: {
              const kept = filterCookies(value, isOwnCookie);
              if (kept !== '') out.push(name, kept);
              continue;
            }
            case Kind.ContentLength:
              // Node rejects conflicting lengths; a repeated equal one would still be refused upstream.
              if (!contentLength) out.push(name, value);
              contentLength = true;
              continue;
            case Kind.XForwardedFor:
              xff = xff === undefined ? value : xff + ', ' + value;
              continue;
            case Kind.XForwardedProto:
              if (trusted && xfProto === undefined) xfProto = value;
              continue;
            case Kind.XForwardedHost:
              if (trusted && xfHost === undefined) xfHost = value;
              continue;
            case Kind.Forwarding:
              if (trusted) out.push(name, value);
              continue;
            default:
              // Hop-by-hop and Expect. A websocket tunnel adds its own Connection/Upgrade pair.
              continue;
          }
        }
        if (strips(norm)) continue;
        out.push(name, value);
      }

      const id = ctx.identity;
      for (let i = 0; i < id.length; i++) out.push(id[i][0], id[i][1]);

      const peer = clientAddress(req);
      if (peer !== undefined) xff = xff === undefined ? peer : xff + ', ' + peer;
      if (xff !== undefined) out.push('X-Forwarded-For', xff);
      out.push('X-Forwarded-Proto', xfProto ?? ((req.socket as TLSSocket | null)?.encrypted === true ? 'https' : 'http'));
      if (xfHost === undefined) xfHost = host;
      if (xfHost !== undefined) out.push('X-Forwarded-Host', xfHost);
      out.push('Host', route.passHostHeader && host !== undefined ? host : route.host);
      return out;
    },
  };
}

/**
 * Header names listed in a Connection header that are not already dropped anyway. Host is not
 * a header that can be hop-by-hop: naming it must not make the upstream see another host.
 */
function connectionTokens(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  let tokens: string[] | undefined;
  for (const t of v.split(',')) {
    const n = t.trim().toLowerCase();
    if (n === '' || n === 'close' || n === 'host' || HOP_SET.has(n)) continue;
    (tokens ??= []).push(n);
  }
  return tokens;
}

/** A websocket handshake request (`GET` with `Upgrade: websocket`). */
export function isWebSocketRequest(req: IncomingMessage): boolean {
  const up = req.headers.upgrade;
  return up !== undefined && up.toLowerCase() === 'websocket' && req.method === 'GET';
}

/** The connection's peer address, IPv4-mapped IPv6 shown as plain IPv4 like Go does. */
function clientAddress(req: IncomingMessage): string | undefined {
  const a = req.socket?.remoteAddress;
  if (a === undefined) return undefined;
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * The Cookie header without the proxy's own cookies; returns the input itself when nothing is
 * removed and '' when nothing is left.
 */
export function filterCookies(header: string, isOwnCookie: (name: string) => boolean): string {
  let out: string | undefined;
  let start = 0;
  const n = header.length;
  while (start <= n) {
    let end = header.indexOf(';', start);
    if (end === -1) end = n;
    let s = start;
    while (s < end && (header.charCodeAt(s) === 32 || header.charCodeAt(s) === 9)) s++;
    if (s < end) {
      const eq = header.indexOf('=', s);
      const name = header.slice(s, eq === -1 || eq > end ? end : eq).trim();
      if (isOwnCookie(name)) {
        if (out === undefined) out = header.slice(0, start).replace(/[;\s]+$/, '');
      } else if (out !== undefined) {
        const pair = header.slice(s, end).replace(/\s+$/, '');
        out = out === '' ? pair : out + '; ' + pair;
      }
    }
    start = end + 1;
  }
  return out ?? header;
}
