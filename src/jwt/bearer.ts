// Bearer JWTs as sessions (--skip-jwt-bearer-tokens, --extra-jwt-issuers). A token is accepted
// only when its issuer is configured, its signature checks against that issuer's published keys
// with an asymmetric algorithm (so neither `none` nor an HMAC keyed with a public key can pass),
// one of the issuer's audiences is in `aud`, and `exp` (required) and `nbf` hold within a small
// clock skew. Keys come from the issuer's discovery document and are cached by jose, which refetches
// them when a token names an unknown `kid`, at most once per cooldown.
//
// Verified tokens are remembered by their hash until they expire (at most five minutes), so a
// client that sends the same token on every request pays for the signature check once.
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { jwksOptions } from '../providers/tls.js';
import { LRUCache } from 'lru-cache';
import type { SessionState } from '../session/state.js';

export interface IssuerSpec {
  issuer: string;
  audiences: string[];
  /** Known key set URL; otherwise found through the issuer's discovery document. */
  jwksUrl?: string;
}

export interface BearerOptions {
  issuers: IssuerSpec[];
  emailClaim: string;
  groupsClaim: string;
  allowUnverifiedEmail: boolean;
  /** Seconds; default 30. */
  clockTolerance?: number;
  /** Least time between two fetches of an issuer's key set; default 30 s. */
  jwksCooldownMs?: number;
  /** The fetch that carries --provider-ca-file / --ssl-insecure-skip-verify; the global one otherwise. */
  fetch?: typeof fetch;
  now?: () => number;
}

export type BearerResult = { ok: true; session: SessionState } | { ok: false; reason: string };

export interface BearerVerifier {
  verify(token: string): Promise<BearerResult>;
}

export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DISCOVERY_RETRY_MS = 10_000;
const MAX_CACHE_MS = 5 * 60_000;

type KeySet = ReturnType<typeof createRemoteJWKSet>;

interface IssuerState {
  spec: IssuerSpec;
  keys: KeySet | undefined;
  discovering: Promise<KeySet> | undefined;
  failedAt: number;
}

export function createBearerVerifier(opts: BearerOptions): BearerVerifier {
  const now = opts.now ?? Date.now;
  const clockTolerance = opts.clockTolerance ?? 30;
  const cooldown = opts.jwksCooldownMs ?? 30_000;
  const byIssuer = new Map<string, IssuerState>();
  for (const spec of opts.issuers) {
    const known = byIssuer.get(spec.issuer);
    if (known) known.spec = { ...known.spec, audiences: [...known.spec.audiences, ...spec.audiences] };
    else byIssuer.set(spec.issuer, { spec, keys: spec.jwksUrl ? remoteKeys(spec.jwksUrl, cooldown, opts.fetch) : undefined, discovering: undefined, failedAt: 0 });
  }
  const verified = new LRUCache<string, SessionState>({ max: 10_000 });

  async function keysOf(st: IssuerState): Promise<KeySet> {
    if (st.keys) return st.keys;
    if (st.discovering) return st.discovering;
    if (now() - st.failedAt < DISCOVERY_RETRY_MS) throw new Error('issuer discovery failed recently');
    st.discovering = discoverJwks(st.spec.issuer, opts.fetch).then(
      (url) => (st.keys = remoteKeys(url, cooldown, opts.fetch)),
      (err: unknown) => {
        st.failedAt = now();
        throw err;
      },
    ).finally(() => {
      st.discovering = undefined;
    });
    return st.discovering;
  }

  return {
    async verify(token) {
      const id = createHash('sha256').update(token).digest('base64url');
      const hit = verified.get(id);
      if (hit !== undefined) return { ok: true, session: hit };
      let unverified: JWTPayload;
      try {
        unverified = decodeJwt(token);
      } catch {
        return { ok: false, reason: 'not a JWT' };
      }
      const st = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
      if (st === undefined) return { ok: false, reason: 'issuer not accepted' };
      let payload: JWTPayload;
      try {
        const keys = await keysOf(st);
        ({ payload } = await jwtVerify(token, keys, {
          issuer: st.spec.issuer,
          audience: st.spec.audiences,
          algorithms: ASYMMETRIC_ALGORITHMS,
          clockTolerance,
          requiredClaims: ['exp'],
          currentDate: new Date(now()),
        }));
      } catch (err) {
        return { ok: false, reason: reasonOf(err) };
      }
      const session = sessionFromClaims(payload, token, opts);
      if (typeof session === 'string') return { ok: false, reason: session };
      const ttl = Math.min(session.expiresOn - now(), MAX_CACHE_MS);
      if (ttl > 0) verified.set(id, session, { ttl });
      return { ok: true, session };
    },
  };
}

function remoteKeys(url: string, cooldownDuration: number, f: typeof fetch | undefined): KeySet {
  return createRemoteJWKSet(new URL(url), { ...jwksOptions(5_000, f), cooldownDuration, cacheMaxAge: 10 * 60_000 });
}

async function discoverJwks(issuer: string, f: typeof fetch = fetch): Promise<string> {
  const url = issuer.replace(/\/$/, '') + '/.well-known/openid-configuration';
  const res = await f(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' });
  if (!res.ok) throw new Error(`discovery answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw new Error('discovery document names another issuer');
  if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
  const jwks = new URL(doc.jwks_uri);
  if (jwks.protocol !== 'https:' && !(jwks.protocol === 'http:' && isLoopback(jwks.hostname))) {
    throw new Error('jwks_uri must use https');
  }
  return jwks.href;
}

export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  // jose's codes name the failed check (ERR_JWT_EXPIRED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED, …)
  // without quoting the token.
  return typeof code === 'string' ? code : 'verification failed';
}

function sessionFromClaims(p: JWTPayload, token: string, opts: BearerOptions): SessionState | string {
  const sub = typeof p.sub === 'string' ? p.sub : '';
  const emailValue = p[opts.emailClaim];
  const email = typeof emailValue === 'string' ? emailValue : '';
  if (email !== '' && p.email_verified === false && !opts.allowUnverifiedEmail) return 'email not verified';
  const raw = p[opts.groupsClaim];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? [raw] : [];
  const preferred = typeof p.preferred_username === 'string' ? p.preferred_username : undefined;
  if (sub === '' && email === '') return 'token names no subject';
  return {
    user: sub || email,
    email,
    groups,
    ...(preferred ? { preferredUsername: preferred } : {}),
    accessToken: token,
    idToken: token,
    createdAt: (typeof p.iat === 'number' ? p.iat : Math.floor(Date.now() / 1000)) * 1000,
    expiresOn: (p.exp as number) * 1000,
  };
}
