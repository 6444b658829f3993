// Sign-in CSRF protection, named and shaped as oauth2-proxy's: /start keeps random state and nonce
// bytes (and the PKCE verifier) in an encrypted, signed cookie and sends only their SHA-256 hashes
// to the IdP; /callback accepts the code only if the `state` it returns hashes from the bytes in
// that cookie. With per-request cookies the name carries the first 8 characters of the state hash,
// so parallel logins in several tabs do not overwrite each other.
//
// A sign-in with a further provider (not the default one) binds that provider's id to the attempt:
// the cookie carries it, sealed with the rest, and the state names it after the hash
// (`<hash>~<id>:<redirect>`), so the callback redeems with the provider the sign-in began with
// and refuses a state that names another one.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createPayloadCipher } from './cipher.js';
import { pickCookieDomain, serializeCookie, type CookieAttributes, type SameSite } from './cookies.js';
import { CSRF_ID_LENGTH, csrfCookieName, isPerRequestCsrfName } from './names.js';
import { signValue, signedValueTimeMs, verifySignedValue } from './signed-value.js';
import type { CookieContext } from './store.js';

const STATE_BYTES = 32;
const NONCE_BYTES = 32;
const VERIFIER_BYTES = 96;
const HASH_LENGTH = 43; // SHA-256 as unpadded base64url

export type PkceMethod = 'S256' | 'plain' | '';

export interface CsrfOptions {
  /** The session cookie name; CSRF cookies are named after it. */
  cookieName: string;
  secret: string;
  /** Max-Age of the CSRF cookie and validity window of its signature (oauth2-proxy: 15m). */
  csrfExpireMs: number;
  perRequest: boolean;
  domains: string[];
  path: string;
  secure: boolean;
  httpOnly: boolean;
  /** SameSite of the session cookie. */
  sameSite: SameSite;
  /** --cookie-csrf-samesite; '' or absent = same as sameSite. */
  csrfSameSite?: SameSite;
}

export interface StartLoginParams {
  /** Already validated redirect target, carried in `state` after the hash. */
  redirect: string;
  usePkce: PkceMethod;
  /** Overrides the factory's perRequest for this login. */
  perRequest?: boolean;
  /** Request host, for the cookie Domain. */
  host: string;
  nowMs: number;
  /** A further provider's id; absent for the default provider. */
  providerId?: string;
}

export interface LoginStart {
  /** `<b64url-nopad(sha256(state bytes))>:<redirect>` */
  stateParam: string;
  /** b64url-nopad(sha256(nonce bytes)); the OIDC `nonce` when nonces are enabled. */
  nonceParam: string;
  codeVerifier?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  cookieName: string;
  setCookie: string;
}

export type CallbackFailure = 'missing-state' | 'malformed-state' | 'missing-cookie' | 'invalid-cookie' | 'state-mismatch' | 'provider-mismatch';

export type CallbackResult =
  | { ok: true; redirect: string; nonceParam: string; codeVerifier?: string; clearCookie: string; providerId?: string }
  | { ok: false; reason: CallbackFailure; clearCookie?: string };

export interface Csrf {
  startLogin(p: StartLoginParams): LoginStart;
  verifyCallback(ctx: CookieContext, stateParam: string, nowMs: number): CallbackResult;
  /**
   * --cookie-csrf-per-request-limit: expiry lines for the oldest per-request CSRF cookies of the
   * request beyond `limit` (unreadable ones first). Nothing when limit <= 0.
   */
  clearSurplus(ctx: CookieContext, limit: number, nowMs: number): string[];
}

export function hashB64(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('base64url');
}

const B64URL_CHAR = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') B64URL_CHAR[c.charCodeAt(0)] = 1;

function isB64Url(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || B64URL_CHAR[c] === 0) return false;
  }
  return true;
}

// RFC 7636 §4.1: 43–128 characters of [A-Za-z0-9-._~].
function isCodeVerifier(s: string): boolean {
  if (s.length < 43 || s.length > 128) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c < 128 && (B64URL_CHAR[c] === 1 || c === 0x2e || c === 0x7e))) return false;
  }
  return true;
}

interface CsrfPayload {
  state: Buffer;
  nonce: Buffer;
  codeVerifier?: string;
  providerId?: string;
}

/** Separates the provider id from the verifier, whose characters never include it. */
const PROVIDER_MARK = 0;
const PROVIDER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// Fixed-width binary instead of JSON: state ‖ nonce ‖ verifier [‖ 0x00 ‖ provider id], the smallest
// cookie that holds them; a default-provider sign-in has the same cookie as with a single provider.
function packPayload(p: CsrfPayload): Buffer {
  const parts = [p.state, p.nonce, Buffer.from(p.codeVerifier ?? '', 'latin1')];
  if (p.providerId !== undefined) parts.push(Buffer.from([PROVIDER_MARK]), Buffer.from(p.providerId, 'latin1'));
  return Buffer.concat(parts);
}

function unpackPayload(b: Buffer): CsrfPayload | undefined {
  if (b.length < STATE_BYTES + NONCE_BYTES) return undefined;
  const state = b.subarray(0, STATE_BYTES);
  const nonce = b.subarray(STATE_BYTES, STATE_BYTES + NONCE_BYTES);
  let rest = b.subarray(STATE_BYTES + NONCE_BYTES);
  let providerId: string | undefined;
  const mark = rest.indexOf(PROVIDER_MARK);
  if (mark !== -1) {
    providerId = rest.subarray(mark + 1).toString('latin1');
    if (!PROVIDER_ID.test(providerId)) return undefined;
    rest = rest.subarray(0, mark);
  }
  const out: CsrfPayload = providerId === undefined ? { state, nonce } : { state, nonce, providerId };
  if (rest.length === 0) return out;
  const codeVerifier = rest.toString('latin1');
  return isCodeVerifier(codeVerifier) ? { ...out, codeVerifier } : undefined;
}

export function createCsrf(opts: CsrfOptions): Csrf {
  const { cookieName, secret, csrfExpireMs, path, secure, httpOnly } = opts;
  const domains = [...opts.domains];
  const sameSite = opts.csrfSameSite || opts.sameSite;
  const maxAgeSeconds = csrfExpireMs > 0 ? Math.floor(csrfExpireMs / 1000) : undefined;
  const cipher = createPayloadCipher(secret);

  function attrs(host: string, maxAge: number | undefined): CookieAttributes {
    return { domain: pickCookieDomain(host, domains), path, maxAgeSeconds: maxAge, httpOnly, secure, sameSite };
  }

  function decodeCookie(name: string, value: string, nowMs: number): CsrfPayload | undefined {
    const sealed = verifySignedValue(name, value, secret, csrfExpireMs, nowMs);
    if (sealed === undefined) return undefined;
    const plain = cipher.decrypt(sealed);
    return plain === undefined ? undefined : unpackPayload(plain);
  }

  return {
    startLogin(p) {
      if (p.providerId !== undefined && !PROVIDER_ID.test(p.providerId)) throw new Error('provider id not usable in the state');
      const state = randomBytes(STATE_BYTES);
      const nonce = randomBytes(NONCE_BYTES);
      const stateHash = hashB64(state);
      const perRequest = p.perRequest ?? opts.perRequest;
      const name = csrfCookieName(cookieName, perRequest ? stateHash.slice(0, CSRF_ID_LENGTH) : undefined);
      const out: LoginStart = {
        stateParam: stateHash + (p.providerId === undefined ? '' : '~' + p.providerId) + ':' + p.redirect,
        nonceParam: hashB64(nonce),
        cookieName: name,
        setCookie: '',
      };
      let codeVerifier: string | undefined;
      if (p.usePkce !== '') {
        codeVerifier = randomBytes(VERIFIER_BYTES).toString('base64url');
        out.codeVerifier = codeVerifier;
        out.codeChallenge = p.usePkce === 'S256' ? hashB64(codeVerifier) : codeVerifier;
        out.codeChallengeMethod = p.usePkce;
      }
      const payload: CsrfPayload = { state, nonce, codeVerifier };
      if (p.providerId !== undefined) payload.providerId = p.providerId;
      const value = signValue(name, cipher.encrypt(packPayload(payload)), secret, p.nowMs);
      out.setCookie = serializeCookie(name, value, attrs(p.host, maxAgeSeconds));
      return out;
    },

    verifyCallback(ctx, stateParam, nowMs) {
      if (typeof stateParam !== 'string' || stateParam === '') return { ok: false, reason: 'missing-state' };
      const colon = stateParam.indexOf(':');
      if (colon === -1) return { ok: false, reason: 'malformed-state' };
      const tag = stateParam.indexOf('~');
      const hashEnd = tag !== -1 && tag < colon ? tag : colon;
      const stateHash = stateParam.slice(0, hashEnd);
      const stateProvider = hashEnd === colon ? undefined : stateParam.slice(hashEnd + 1, colon);
      // The hash names the cookie below, so it must be exactly what startLogin produced before it
      // goes anywhere near a Set-Cookie header.
      if (stateHash.length !== HASH_LENGTH || !isB64Url(stateHash)) return { ok: false, reason: 'malformed-state' };
      const name = csrfCookieName(cookieName, opts.perRequest ? stateHash.slice(0, CSRF_ID_LENGTH) : undefined);
      const value = ctx.cookies.get(name);
      if (value === undefined) return { ok: false, reason: 'missing-cookie' };
      const clearCookie = serializeCookie(name, '', attrs(ctx.host, 0));
      const payload = decodeCookie(name, value, nowMs);
      if (payload === undefined) return { ok: false, reason: 'invalid-cookie', clearCookie };
      const expected = Buffer.from(hashB64(payload.state), 'latin1');
      if (!timingSafeEqual(expected, Buffer.from(stateHash, 'latin1'))) {
        return { ok: false, reason: 'state-mismatch', clearCookie };
      }
      // The sealed cookie decides the provider; a state naming another one was tampered with or mixed up.
      if (stateProvider !== payload.providerId) return { ok: false, reason: 'provider-mismatch', clearCookie };
      const ok: CallbackResult = {
        ok: true,
        redirect: stateParam.slice(colon + 1),
        nonceParam: hashB64(payload.nonce),
        clearCookie,
      };
      if (payload.codeVerifier !== undefined) ok.codeVerifier = payload.codeVerifier;
      if (payload.providerId !== undefined) ok.providerId = payload.providerId;
      return ok;
    },

    clearSurplus(ctx, limit, nowMs) {
      if (limit <= 0) return [];
      const found: Array<{ name: string; t: number }> = [];
      for (const [name, value] of ctx.cookies) {
        if (!isPerRequestCsrfName(cookieName, name)) continue;
        const readable = decodeCookie(name, value, nowMs) !== undefined;
        found.push({ name, t: readable ? (signedValueTimeMs(value) ?? -1) : -1 });
      }
      if (found.length <= limit) return [];
      found.sort((a, b) => a.t - b.t);
      const expire = attrs(ctx.host, 0);
      return found.slice(0, found.length - limit).map((f) => serializeCookie(f.name, '', expire));
    },
  };
}
