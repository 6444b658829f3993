// Open websocket tunnels by the session that opened them. A tunnel is authenticated once, at the
// upgrade; without this, a tunnel would outlive a sign-out, a revocation or the cookie's expiry
// for as long as either end keeps it open.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { readChunked } from '../session/chunks.js';
import { sessionSubject } from '../session/claims.js';
import { signedValueTimeMs, verifySignedValue } from '../session/signed-value.js';
import type { SessionState } from '../session/state.js';
import type { RevokeTarget } from '../session/store.js';
import { decodeTicket } from '../session/ticket.js';

export interface TunnelIdentity {
  /** Which session: a hash of the session cookie, or the Redis ticket id (never the cookie itself). */
  key: string;
  sub?: string;
  sid?: string;
  providerId?: string;
  /** ms since epoch at which the session's cookie stops being accepted. */
  endsAt?: number;
}

export interface TunnelHold {
  /** Adds the upstream side once the upgrade succeeded; destroyed at once if the session already ended. */
  attach(upstream: Duplex): void;
}

export interface SessionTunnels {
  /** Holds `client` until it closes. */
  register(client: Duplex, identity: TunnelIdentity): TunnelHold;
  /** Ends the tunnels of one session; returns how many. */
  endByKey(key: string): number;
  /** Ends the tunnels whose session matches every field given (at least one is required). */
  endBySubject(target: RevokeTarget): number;
  readonly size: number;
}

// setTimeout fires at once for delays past 2^31-1 ms; longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  identity: TunnelIdentity;
  sockets: Duplex[];
  timer?: NodeJS.Timeout;
  ended: boolean;
}

export function createSessionTunnels(now: () => number = Date.now): SessionTunnels {
  const entries = new Set<Entry>();
  const byKey = new Map<string, Set<Entry>>();

  function forget(e: Entry): void {
    if (e.timer !== undefined) clearTimeout(e.timer);
    e.timer = undefined;
    if (!entries.delete(e)) return;
    const set = byKey.get(e.identity.key);
    set?.delete(e);
    if (set?.size === 0) byKey.delete(e.identity.key);
  }

  function end(e: Entry): void {
    e.ended = true;
    forget(e);
    // Destroyed rather than ended: the session is over, so nothing more may pass either way.
    for (const s of e.sockets) s.destroy();
  }

  function arm(e: Entry, endsAt: number): void {
    const delay = endsAt - now();
    if (delay <= 0) return end(e);
    e.timer = setTimeout(() => (delay > MAX_TIMER_MS ? arm(e, endsAt) : end(e)), Math.min(delay, MAX_TIMER_MS));
    e.timer.unref();
  }

  return {
    register(client, identity) {
      const e: Entry = { identity, sockets: [client], ended: false };
      entries.add(e);
      let set = byKey.get(identity.key);
      if (set === undefined) byKey.set(identity.key, (set = new Set()));
      set.add(e);
      client.once('close', () => forget(e));
      if (client.destroyed) forget(e);
      else if (identity.endsAt !== undefined) arm(e, identity.endsAt);
      return {
        attach(upstream) {
          if (e.ended) upstream.destroy();
          else e.sockets.push(upstream);
        },
      };
    },
    endByKey(key) {
      const set = byKey.get(key);
      if (set === undefined) return 0;
      const found = [...set];
      for (const e of found) end(e);
      return found.length;
    },
    endBySubject(target) {
      if (target.sub === undefined && target.sid === undefined) return 0;
      const found = [...entries].filter((e) =>
        (target.sub === undefined || e.identity.sub === target.sub) && (target.sid === undefined || e.identity.sid === target.sid)
        && (target.providerId === undefined || e.identity.providerId === target.providerId));
      for (const e of found) end(e);
      return found.length;
    },
    get size() {
      return entries.size;
    },
  };
}

/** The key of the tunnels opened with a Redis session's ticket, from the ticket's id. */
export function ticketTunnelKey(ticketId: string): string {
  return 't:' + ticketId;
}

export interface TunnelKeyOptions {
  cookieName: string;
  secret: string;
  /** --cookie-expire in ms; 0 = no age limit. */
  expireMs: number;
  /** The cookie holds a Redis ticket: its id names the session across refreshes of the cookie. */
  ticket: boolean;
  now?: () => number;
}

export interface TunnelKeys {
  /**
   * The session key of a request's cookies (and its session, when loaded), or undefined when they
   * carry no usable session cookie.
   */
  keyOf(cookies: ReadonlyMap<string, string>, s?: SessionState): string | undefined;
  /** What a tunnel opened with these cookies and this session is registered under. */
  identityOf(cookies: ReadonlyMap<string, string>, s: SessionState): TunnelIdentity | undefined;
}

export function tunnelKeys(opts: TunnelKeyOptions): TunnelKeys {
  const { cookieName, secret, expireMs } = opts;
  const now = opts.now ?? Date.now;

  function read(cookies: ReadonlyMap<string, string>, s: SessionState | undefined): { key: string; value: string } | undefined {
    const value = readChunked(cookies, cookieName);
    if (value === undefined || value === '') return undefined;
    if (!opts.ticket) {
      // A session from before local ids (or oauth2-proxy's) is known by its cookie's value alone.
      if (s?.localId !== undefined) return { key: 'l:' + s.localId, value };
      return { key: 'c:' + createHash('sha256').update(value).digest('base64url').slice(0, 32), value };
    }
    const payload = verifySignedValue(cookieName, value, secret, expireMs, now());
    const t = payload === undefined ? undefined : decodeTicket(cookieName, payload.toString('utf8'));
    return t === undefined ? undefined : { key: ticketTunnelKey(t.id), value };
  }

  return {
    keyOf: (cookies, s) => read(cookies, s)?.key,
    identityOf(cookies, s) {
      const r = read(cookies, s);
      if (r === undefined) return undefined;
      const who = sessionSubject(s);
      const signedAt = expireMs > 0 ? signedValueTimeMs(r.value) : undefined;
      return {
        key: r.key,
        sub: who.sub,
        ...(who.sid !== undefined ? { sid: who.sid } : {}),
        ...(s.providerId !== undefined ? { providerId: s.providerId } : {}),
        ...(signedAt !== undefined ? { endsAt: signedAt + expireMs } : {}),
      };
    },
  };
}
