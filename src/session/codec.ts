// SessionState ⇄ signed cookie value: compact JSON → AES-GCM → signed value. The JSON keys are
// oauth2-proxy's MessagePack keys, and empty fields are left out, because every byte here is sent
// by the browser on every request and pushes large sessions towards the 4000-character split.

import type { SessionState } from './state.js';
import { createPayloadCipher } from './cipher.js';
import { decodeLegacyCookiePayload } from './legacy.js';
import { cookieSecretBytes } from './secret.js';
import { signValue, verifySignedValue } from './signed-value.js';

export interface SessionCodecOptions {
  cookieName: string;
  secret: string;
  /** Validity window of the signed timestamp; 0 = no age limit. */
  expireMs: number;
}

/** `legacy`: the payload was oauth2-proxy's own format, and should be stored again in ours. */
export type DecodeResult = { ok: true; session: SessionState; legacy?: true } | { ok: false; reason: string };

export interface SessionCodec {
  encode(s: SessionState, nowMs: number): string;
  decode(signed: string, nowMs: number): SessionState | undefined;
  /** decode, with why it failed: for logs and the store's `invalid` reason. */
  decodeResult(signed: string, nowMs: number): DecodeResult;
}

interface Wire {
  ca: number;
  eo?: number;
  at?: string;
  it?: string;
  rt?: string;
  e?: string;
  u?: string;
  g?: string[];
  pu?: string;
  p?: string;
  li?: string;
}

function toWire(s: SessionState): Wire {
  const w: Wire = { ca: s.createdAt };
  if (s.expiresOn) w.eo = s.expiresOn;
  if (s.accessToken) w.at = s.accessToken;
  if (s.idToken) w.it = s.idToken;
  if (s.refreshToken) w.rt = s.refreshToken;
  if (s.email) w.e = s.email;
  if (s.user) w.u = s.user;
  if (s.groups.length > 0) w.g = s.groups;
  if (s.preferredUsername) w.pu = s.preferredUsername;
  if (s.providerId) w.p = s.providerId;
  if (s.localId) w.li = s.localId;
  return w;
}

function optString(v: unknown): v is string | undefined {
  return v === undefined || typeof v === 'string';
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

// Unknown keys are ignored rather than rejected: a newer release may add a field, and rolling back
// to this one must not sign everybody out. Known keys must have exactly their type.
function fromWire(v: unknown): SessionState | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const w = v as Record<string, unknown>;
  const { ca, eo, at, it, rt, e, u, g, pu, p, li } = w;
  if (!isTime(ca) || (eo !== undefined && !isTime(eo))) return undefined;
  if (!optString(at) || !optString(it) || !optString(rt) || !optString(e) || !optString(u)) return undefined;
  if (!optString(pu) || !optString(p) || !optString(li)) return undefined;
  let groups: string[] = [];
  if (g !== undefined) {
    if (!Array.isArray(g)) return undefined;
    for (const x of g) if (typeof x !== 'string') return undefined;
    groups = g as string[];
  }
  const s: SessionState = { user: u ?? '', email: e ?? '', groups, createdAt: ca, expiresOn: eo ?? 0 };
  if (pu !== undefined) s.preferredUsername = pu;
  if (at !== undefined) s.accessToken = at;
  if (it !== undefined) s.idToken = it;
  if (rt !== undefined) s.refreshToken = rt;
  if (p !== undefined) s.providerId = p;
  if (li !== undefined) s.localId = li;
  return s;
}

/** The compact JSON of a session, as sealed in cookies and in server-side stores. */
export function sessionToJson(s: SessionState): string {
  return JSON.stringify(toWire(s));
}

/** undefined when the text is not JSON or not a session. */
export function sessionFromJson(text: string): SessionState | undefined {
  try {
    return fromWire(JSON.parse(text));
  } catch {
    return undefined;
  }
}

export function createSessionCodec(opts: SessionCodecOptions): SessionCodec {
  const { cookieName, secret, expireMs } = opts;
  const cipher = createPayloadCipher(secret);
  const legacyKey = cookieSecretBytes(secret);

  function decodeResult(signed: string, nowMs: number): DecodeResult {
    const sealed = verifySignedValue(cookieName, signed, secret, expireMs, nowMs);
    if (sealed === undefined) return { ok: false, reason: 'signature invalid or expired' };
    const plain = cipher.decrypt(sealed);
    if (plain === undefined) {
      // Signed with our secret but not sealed by us: a session oauth2-proxy issued before the swap.
      const legacy = legacyKey === undefined ? undefined : decodeLegacyCookiePayload(sealed, legacyKey);
      return legacy === undefined ? { ok: false, reason: 'payload does not decrypt' } : { ok: true, session: legacy, legacy: true };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(plain.toString('utf8'));
    } catch {
      return { ok: false, reason: 'payload is not JSON' };
    }
    const session = fromWire(parsed);
    return session === undefined ? { ok: false, reason: 'payload has the wrong shape' } : { ok: true, session };
  }

  return {
    encode(s, nowMs) {
      return signValue(cookieName, cipher.encrypt(Buffer.from(JSON.stringify(toWire(s)), 'utf8')), secret, nowMs);
    },
    decode(signed, nowMs) {
      const r = decodeResult(signed, nowMs);
      return r.ok ? r.session : undefined;
    },
    decodeResult,
  };
}
