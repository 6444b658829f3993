// The per-request scope: everything the pipeline learns about one request, in one object of a fixed
// shape created once per request (V8 keeps such objects fast; ad-hoc properties would not be).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SessionState } from '../session/state.js';
import type { Target } from './target.js';
import { normaliseIp, type Trust } from './trust.js';

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

export class RequestScope {
  /** The client's request id when valid; otherwise made on first use (most requests never log one). */
  private givenId: string | undefined;
  private madeId: string | undefined = undefined;
  readonly startNs: bigint;
  readonly peer: string;
  readonly clientIp: string;
  readonly trustedForwarded: boolean;
  readonly scheme: 'http' | 'https';
  /** Host the client asked for (X-Forwarded-Host from a trusted proxy, else Host). */
  readonly host: string;
  /** Raw path, exactly as received, without the query. */
  readonly path: string;
  /** Raw query without the leading '?', '' when absent. */
  readonly query: string;
  /** The path with every escape decoded, for route rules (see target.ts). */
  readonly decodedPath: string;
  /** Some hop could read the path differently: no skip-auth rule applies. */
  readonly ambiguousPath: boolean;
  cookies: Map<string, string> | undefined = undefined;
  session: SessionState | undefined = undefined;
  /** Set-Cookie values produced while handling (session refresh, clearing). */
  setCookies: string[] = [];
  upstream = '';
  user = '';

  /** `target`: the canonical form of req.url (http/target.ts), when the caller computed it. */
  constructor(req: IncomingMessage, trust: Trust, requestIdHeader: string, tls: boolean, target?: Target) {
    this.startNs = process.hrtime.bigint();
    const peer = normaliseIp(req.socket.remoteAddress);
    this.peer = peer;
    const trusted = trust.trusts(peer);
    this.trustedForwarded = trusted;
    this.clientIp = trust.clientIp(peer, req.headers, trusted);
    const given = req.headers[requestIdHeader];
    const candidate = Array.isArray(given) ? given[0] : given;
    this.givenId = candidate && REQUEST_ID_RE.test(candidate) ? candidate : undefined;

    const fwdProto = trusted ? headerValue(req.headers['x-forwarded-proto']) : undefined;
    this.scheme = fwdProto === 'https' || fwdProto === 'http' ? fwdProto : tls ? 'https' : 'http';
    this.host = requestHost(req, trusted);

    if (target !== undefined) {
      this.path = target.path;
      this.query = target.query;
      this.decodedPath = target.decoded;
      this.ambiguousPath = target.ambiguous;
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.query = q === -1 ? '' : url.slice(q + 1);
    this.decodedPath = this.path;
    this.ambiguousPath = true;
  }

  get id(): string {
    return this.givenId ?? (this.madeId ??= randomUUID());
  }

  durationMs(): number {
    return Number(process.hrtime.bigint() - this.startNs) / 1e6;
  }
}

/** Host the client asked for: X-Forwarded-Host when the peer is trusted, else Host. */
export function requestHost(req: IncomingMessage, trusted: boolean): string {
  const fwdHost = trusted ? headerValue(req.headers['x-forwarded-host']) : undefined;
  return fwdHost || req.headers.host || '';
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = Array.isArray(v) ? v[0] : v;
  // Proxies may send a comma list; the first entry is the client-facing one.
  const comma = s.indexOf(',');
  return (comma === -1 ? s : s.slice(0, comma)).trim();
}
