// oauth2-proxy's signed cookie value, byte for byte, so cookies keep validating across a swap of the
// two proxies sharing one --cookie-secret:
//   <padded base64url(payload)>|<unix seconds>|<padded base64url(HMAC-SHA256(secret, name + b64 + seconds))>
// The HMAC key is the secret string as configured (not the decoded AES key), and the cookie name is
// part of the MAC so a value cannot be replayed under another cookie name.

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Tolerated clock skew for timestamps from the future (a peer proxy with a fast clock). */
export const FUTURE_SKEW_MS = 5 * 60 * 1000;

const SIGNATURE_LENGTH = 44; // 32 bytes as padded base64

export function base64UrlPadded(buf: Buffer): string {
  const s = buf.toString('base64url');
  const rem = s.length & 3;
  return rem === 0 ? s : rem === 2 ? s + '==' : s + '=';
}

// Go's URL-safe decoder refuses '+', '/', misplaced '=' and any other stray character; Node's
// decoder accepts the first two and silently skips the rest. These checks refuse the same inputs
// as Go with native string searches, cheaper than a per-character loop on a 4 KB cookie.
function decodePaddedBase64Url(s: string): Buffer | undefined {
  const len = s.length;
  if ((len & 3) !== 0) return undefined;
  let pad = 0;
  if (len > 0 && s.charCodeAt(len - 1) === 0x3d) pad = s.charCodeAt(len - 2) === 0x3d ? 2 : 1;
  const eq = s.indexOf('=');
  if (eq !== -1 && eq !== len - pad) return undefined;
  if (s.indexOf('+') !== -1 || s.indexOf('/') !== -1) return undefined;
  const out = Buffer.from(s, 'base64url');
  // A skipped character always shortens the output, so the length tells whether there was one.
  return out.length === (len >>> 2) * 3 - pad ? out : undefined;
}

function mac(name: string, encoded: string, seconds: string, secret: string): string {
  return base64UrlPadded(createHmac('sha256', secret).update(name).update(encoded).update(seconds).digest());
}

export function signValue(name: string, payload: Buffer, secret: string, nowMs: number): string {
  const encoded = base64UrlPadded(payload);
  const seconds = String(Math.floor(nowMs / 1000));
  return encoded + '|' + seconds + '|' + mac(name, encoded, seconds, secret);
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * The payload of a value signed for `name`, or undefined when it is malformed, signed with another
 * secret or for another name, older than expireMs, or more than five minutes in the future.
 * expireMs = 0 disables both time checks (browser-session cookies carry no age limit).
 */
export function verifySignedValue(
  name: string,
  signed: string,
  secret: string,
  expireMs: number,
  nowMs: number,
): Buffer | undefined {
  if (typeof signed !== 'string') return undefined;
  const p1 = signed.indexOf('|');
  if (p1 === -1) return undefined;
  const p2 = signed.indexOf('|', p1 + 1);
  if (p2 === -1 || signed.indexOf('|', p2 + 1) !== -1) return undefined;
  const encoded = signed.slice(0, p1);
  const seconds = signed.slice(p1 + 1, p2);
  const signature = signed.slice(p2 + 1);
  if (signature.length !== SIGNATURE_LENGTH || !isDigits(seconds)) return undefined;
  const given = Buffer.from(signature, 'utf8');
  // A non-ASCII character makes the UTF-8 form longer than the 44 characters checked above.
  if (given.length !== SIGNATURE_LENGTH) return undefined;
  if (!timingSafeEqual(given, Buffer.from(mac(name, encoded, seconds, secret), 'latin1'))) return undefined;
  if (expireMs !== 0) {
    const tsMs = Number(seconds) * 1000;
    if (!(tsMs > nowMs - expireMs && tsMs < nowMs + FUTURE_SKEW_MS)) return undefined;
  }
  return decodePaddedBase64Url(encoded);
}

/** The signing time (ms) of a value already verified; undefined if it has no timestamp field. */
export function signedValueTimeMs(signed: string): number | undefined {
  const p1 = signed.indexOf('|');
  const p2 = p1 === -1 ? -1 : signed.indexOf('|', p1 + 1);
  if (p2 === -1) return undefined;
  const seconds = signed.slice(p1 + 1, p2);
  return isDigits(seconds) ? Number(seconds) * 1000 : undefined;
}
