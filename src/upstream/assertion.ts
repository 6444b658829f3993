// A signed identity assertion for the upstream: a short-lived JWT in X-Auth-Request-Jwt that an app
// can verify against the proxy's JWKS, so it need not trust plain identity headers (a mistake in the
// network setup that lets a client reach the app directly then cannot impersonate anyone).
//
// Signing costs tens of microseconds, far more than the rest of a request's header work, so a token
// is kept per session object and audience and reused while most of its lifetime is left: the
// decoded-session caches hand every request of a session the same object, so the common path is a
// WeakMap lookup and a clock read.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, SignJWT, type JWK } from 'jose';
import type { SessionState } from '../session/state.js';

export const ASSERTION_HEADER = 'X-Auth-Request-Jwt';
/** Lifetime of a token, in seconds. */
export const ASSERTION_TTL = 60;
/** A cached token is reused while at least this many seconds of its lifetime are left. */
export const ASSERTION_MIN_REMAINING = 30;

export type AssertionAlgorithm = 'ES256' | 'EdDSA';

export interface AssertionKey {
  key: KeyObject;
  alg: AssertionAlgorithm;
}

export interface IdentityAssertionOptions {
  key: AssertionKey;
  issuer: string;
  /** A fixed audience; otherwise the caller passes the upstream's origin. */
  audience?: string;
  /** ms since epoch; tests move the clock. */
  now?: () => number;
}

export interface IdentityAssertion {
  /** The configured audience, when one is fixed for every upstream. */
  readonly audience: string | undefined;
  /** A string when a cached token is still good; a promise only when one has to be signed. */
  token(s: SessionState, audience: string): string | Promise<string>;
  /** The JWKS document (the public key) as JSON text. */
  jwks(): Promise<string>;
}

interface Cached {
  token: string;
  /** ms since epoch until which the token is handed out again. */
  reuseUntil: number;
}

function algorithmOf(key: KeyObject): AssertionAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return undefined;
}

function describeKey(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return curve ? `an ${key.asymmetricKeyType} ${curve} key` : `an ${key.asymmetricKeyType ?? 'unknown'} key`;
}

/** Reads and checks a PEM private key file; throws with a message fit to follow the flag name. */
export function readAssertionKey(path: string): AssertionKey {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error(`${JSON.stringify(path)} does not hold an unencrypted PEM private key (PKCS#8, EC P-256 or Ed25519)`);
  }
  const alg = algorithmOf(key);
  if (alg === undefined) throw new Error(`${JSON.stringify(path)} holds ${describeKey(key)}; use an EC P-256 (ES256) or Ed25519 (EdDSA) private key`);
  return { key, alg };
}

/** readAssertionKey's problem as a message, or undefined when the file is usable. */
export function assertionKeyProblem(path: string): string | undefined {
  try {
    readAssertionKey(path);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

// Kept for the life of the process, so a configuration reload keeps the key apps already trust.
let generated: AssertionKey | undefined;

/** A P-256 key made at start-up: ES256 is the algorithm every JWT library verifies. */
export function generatedAssertionKey(): AssertionKey {
  generated ??= { key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, alg: 'ES256' };
  return generated;
}

/**
 * The issuer when none is configured: the origin of an absolute --redirect-url, which is where the
 * proxy is reached; undefined when the redirect URL is relative or empty.
 */
export function defaultAssertionIssuer(redirectUrl: string): string | undefined {
  if (!/^https?:\/\//i.test(redirectUrl)) return undefined;
  try {
    return new URL(redirectUrl).origin;
  } catch {
    return undefined;
  }
}

export function createIdentityAssertion(opts: IdentityAssertionOptions): IdentityAssertion {
  const { key, alg } = opts.key;
  const now = opts.now ?? Date.now;
  const publicJwk = (async () => {
    // From the public half only: exporting the private key object would include its secret.
    const jwk = await exportJWK(createPublicKey(key));
    return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256') };
  })();
  // Never left unhandled: the JWKS and every signature await it.
  publicJwk.catch(() => {});
  const jwksText = publicJwk.then((jwk) => JSON.stringify({ keys: [{ ...jwk, alg, use: 'sig' } satisfies JWK] }));
  jwksText.catch(() => {});

  const cache = new WeakMap<SessionState, Map<string, Cached | Promise<string>>>();

  const sign = async (s: SessionState, audience: string, iat: number): Promise<string> => {
    const { kid } = await publicJwk;
    const claims: Record<string, unknown> = {};
    if (s.email) claims.email = s.email;
    if (s.groups.length > 0) claims.groups = s.groups;
    if (s.preferredUsername) claims.preferred_username = s.preferredUsername;
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(opts.issuer)
      .setAudience(audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_TTL);
    if (s.user) jwt.setSubject(s.user);
    return jwt.sign(key);
  };

  return {
    audience: opts.audience,
    token(s, audience) {
      const t = now();
      let byAudience = cache.get(s);
      const hit = byAudience?.get(audience);
      if (hit !== undefined) {
        // A pending signature is shared, so a burst of requests on a new session signs once.
        if (!('token' in hit)) return hit;
        if (t < hit.reuseUntil) return hit.token;
      }
      if (byAudience === undefined) {
        byAudience = new Map();
        cache.set(s, byAudience);
      }
      const entries = byAudience;
      const iat = Math.floor(t / 1000);
      const pending = sign(s, audience, iat).then(
        (token) => {
          entries.set(audience, { token, reuseUntil: (iat + ASSERTION_TTL - ASSERTION_MIN_REMAINING) * 1000 });
          return token;
        },
        (err: unknown) => {
          entries.delete(audience);
          throw err;
        },
      );
      entries.set(audience, pending);
      return pending;
    },
    jwks: () => jwksText,
  };
}
