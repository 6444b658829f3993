// Sessions written by oauth2-proxy, read once so that swapping its image for ours keeps users
// signed in; the caller then stores them again in our own format. Only reached after the outer
// signature (cookie) or the ticket (Redis) has been verified, so the input comes from an
// oauth2-proxy that held the same secret; the checks here still assume it is hostile and never
// throw.
//
// oauth2-proxy's layouts: the cookie payload is AES-CFB (16-byte IV first) over an LZ4 frame of
// the MessagePack session; the Redis value is AES-GCM (12-byte nonce first, no associated data)
// under the ticket's secret over the MessagePack session, uncompressed.

import { createDecipheriv } from 'node:crypto';
import { decode } from '@msgpack/msgpack';
import { lz4FrameDecompress } from './lz4-frame.js';
import type { SessionState } from './state.js';

const CFB_IV_LENGTH = 16;
const GCM_NONCE_LENGTH = 12;
const GCM_TAG_LENGTH = 16;
/** Far above any real session (a cookie session is bounded by request header limits). */
const MAX_PLAIN_BYTES = 1 << 20;
const MAX_INPUT_BYTES = 1 << 20;
const LZ4_FRAME_MAGIC = Buffer.from([0x04, 0x22, 0x4d, 0x18]);

const DECODE_LIMITS = {
  maxStrLength: MAX_PLAIN_BYTES,
  maxBinLength: 4096,
  maxArrayLength: 10_000,
  maxMapLength: 10_000,
  maxExtLength: 16,
} as const;

type CfbAlgorithm = 'aes-128-cfb' | 'aes-192-cfb' | 'aes-256-cfb';

/** A cookie session written by oauth2-proxy; `secretBytes` is the key derived from --cookie-secret. */
export function decodeLegacyCookiePayload(payload: Buffer, secretBytes: Buffer): SessionState | undefined {
  if (![16, 24, 32].includes(secretBytes.length)) return undefined;
  if (payload.length <= CFB_IV_LENGTH || payload.length > MAX_INPUT_BYTES) return undefined;
  let plain: Buffer;
  try {
    const algorithm = `aes-${secretBytes.length * 8}-cfb` as CfbAlgorithm;
    const d = createDecipheriv(algorithm, secretBytes, payload.subarray(0, CFB_IV_LENGTH));
    plain = Buffer.concat([d.update(payload.subarray(CFB_IV_LENGTH)), d.final()]);
  } catch {
    return undefined;
  }
  // Releases since MessagePack have compressed cookie sessions; a map header instead of the LZ4
  // magic means an uncompressed one, which costs nothing to accept.
  if (plain.subarray(0, 4).equals(LZ4_FRAME_MAGIC)) {
    const unpacked = lz4FrameDecompress(plain, MAX_PLAIN_BYTES);
    return unpacked === undefined ? undefined : unpack(unpacked);
  }
  return unpack(plain);
}

/** A Redis session value written by oauth2-proxy, opened with the ticket's secret. */
export function decodeLegacyRedisValue(value: Buffer, ticketSecret: Buffer): SessionState | undefined {
  if (ticketSecret.length !== 16 && ticketSecret.length !== 24 && ticketSecret.length !== 32) return undefined;
  if (value.length < GCM_NONCE_LENGTH + GCM_TAG_LENGTH || value.length > MAX_INPUT_BYTES) return undefined;
  let plain: Buffer;
  try {
    const algorithm = `aes-${ticketSecret.length * 8}-gcm` as 'aes-128-gcm';
    const d = createDecipheriv(algorithm, ticketSecret, value.subarray(0, GCM_NONCE_LENGTH), { authTagLength: GCM_TAG_LENGTH });
    d.setAuthTag(value.subarray(value.length - GCM_TAG_LENGTH));
    plain = Buffer.concat([d.update(value.subarray(GCM_NONCE_LENGTH, value.length - GCM_TAG_LENGTH)), d.final()]);
  } catch {
    return undefined;
  }
  return unpack(plain);
}

function unpack(packed: Uint8Array): SessionState | undefined {
  // A MessagePack map starts with a fixmap, map16 or map32 header; anything else is not a session
  // and is not worth handing to the decoder.
  const first = packed[0];
  if (first === undefined || !((first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf)) return undefined;
  let value: unknown;
  try {
    value = decode(packed, DECODE_LIMITS);
  } catch {
    return undefined;
  }
  return fromLegacy(value);
}

function optString(v: unknown): v is string | undefined {
  return v === undefined || typeof v === 'string';
}

/** Go's time.Time arrives as the timestamp extension (a Date); undefined: unset; null: not a time. */
function timeMs(v: unknown): number | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (!(v instanceof Date)) return null;
  const ms = v.getTime();
  if (!Number.isFinite(ms)) return null;
  // Go's zero time (year 1) means unset, as it does to oauth2-proxy.
  return ms > 0 ? ms : undefined;
}

// Unknown keys are ignored, so a newer oauth2-proxy's extra fields do not sign anyone out; known
// keys must have exactly the type oauth2-proxy writes.
function fromLegacy(v: unknown): SessionState | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof Date) return undefined;
  const w = v as Record<string, unknown>;
  const ca = timeMs(w.ca);
  const eo = timeMs(w.eo);
  // oauth2-proxy stamps every session it stores; one without a creation time did not come from it.
  if (ca === undefined || ca === null || eo === null) return undefined;
  const { at, it, rt, e, u, pu, g, n, ac } = w;
  if (!optString(at) || !optString(it) || !optString(rt) || !optString(e) || !optString(u) || !optString(pu)) return undefined;
  if (n !== undefined && n !== null && !(n instanceof Uint8Array)) return undefined;
  if (ac !== undefined && ac !== null && (typeof ac !== 'object' || Array.isArray(ac) || ac instanceof Uint8Array)) return undefined;
  let groups: string[] = [];
  if (g !== undefined && g !== null) {
    if (!Array.isArray(g)) return undefined;
    for (const x of g) if (typeof x !== 'string') return undefined;
    groups = [...(g as string[])];
  }
  const s: SessionState = { user: u ?? '', email: e ?? '', groups, createdAt: ca, expiresOn: eo ?? 0 };
  if (pu) s.preferredUsername = pu;
  if (at) s.accessToken = at;
  if (it) s.idToken = it;
  if (rt) s.refreshToken = rt;
  return s;
}
