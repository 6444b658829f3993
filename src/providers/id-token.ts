// ID token checks for the rules openid-client has no setting for: audiences in other claims or
// besides the client id (--oidc-audience-claim, --oidc-extra-audience), an issuer that may differ
// (--insecure-oidc-skip-issuer-verification) and PEM keys instead of a JWKS URL
// (--oidc-public-key-file). Signature, algorithm, exp/iat and nonce are still checked here.

import { readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';

import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyOptions } from 'jose';
import type * as oidc from 'openid-client';

import { ProviderError } from './provider.js';
import { jwksOptions, type Fetch } from './tls.js';

export interface IdTokenRules {
  clientId: string;
  oidcAudienceClaims?: string[];
  oidcExtraAudiences?: string[];
  insecureOidcSkipIssuerVerification?: boolean;
  oidcPublicKeyFiles?: string[];
  fetch?: Fetch | undefined;
}

export interface IdTokenVerifier {
  /** The verified claims; nonce is compared when given. */
  verify(token: string, nonce: string | undefined): Promise<oidc.IDToken>;
}

// Same leeway as openid-client's own ID token checks.
const CLOCK_TOLERANCE_S = 30;

function audienceClaims(r: IdTokenRules): string[] {
  const list = (r.oidcAudienceClaims ?? []).map((c) => c.trim()).filter(Boolean);
  return list.length > 0 ? list : ['aud'];
}

function extraAudiences(r: IdTokenRules): string[] {
  return (r.oidcExtraAudiences ?? []).map((a) => a.trim()).filter(Boolean);
}

export function needsOwnIdTokenCheck(r: IdTokenRules): boolean {
  const claims = audienceClaims(r);
  return (
    claims.length !== 1 || claims[0] !== 'aud' ||
    extraAudiences(r).length > 0 ||
    r.insecureOidcSkipIssuerVerification === true ||
    (r.oidcPublicKeyFiles?.length ?? 0) > 0
  );
}

/** The keys of PEM files (public keys or certificates); a failure names the file only, never its content. */
export function readPublicKeys(files: readonly string[]): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new Error(`${file} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    try {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType === undefined) throw new Error('not an asymmetric key');
      keys.push(key);
    } catch {
      throw new Error(`${file} holds no PEM public key`);
    }
  }
  return keys;
}

export async function createIdTokenVerifier(r: IdTokenRules, server: oidc.ServerMetadata, timeoutMs: number): Promise<IdTokenVerifier> {
  let publicKeys: KeyObject[];
  try {
    publicKeys = readPublicKeys(r.oidcPublicKeyFiles ?? []);
  } catch (err) {
    throw new ProviderError('config', `--oidc-public-key-file: ${(err as Error).message}`);
  }
  const remote = publicKeys.length === 0 && server.jwks_uri ? createRemoteJWKSet(new URL(server.jwks_uri), jwksOptions(timeoutMs, r.fetch)) : undefined;
  if (publicKeys.length === 0 && !remote) throw new ProviderError('config', 'ID tokens cannot be checked: no JWKS URL and no --oidc-public-key-file');
  const advertised = server.id_token_signing_alg_values_supported;
  const options: JWTVerifyOptions = {
    algorithms: Array.isArray(advertised) && advertised.length > 0 ? advertised.filter((a) => a !== 'none') : ['RS256'],
    clockTolerance: CLOCK_TOLERANCE_S,
    requiredClaims: ['iss', 'sub', 'exp', 'iat'],
  };
  if (!r.insecureOidcSkipIssuerVerification) options.issuer = server.issuer;
  const claimsToCheck = audienceClaims(r);
  const accepted = new Set([r.clientId, ...extraAudiences(r)]);

  const verifySignature = async (token: string): Promise<JWTPayload> => {
    if (remote) return (await jwtVerify(token, remote, options)).payload;
    let last: unknown;
    // Keys from files carry no kid, so each is tried in turn; only a signature failure moves on.
    for (const key of publicKeys) {
      try {
        return (await jwtVerify(token, key, options)).payload;
      } catch (err) {
        if (!(err instanceof joseErrors.JWSSignatureVerificationFailed) && !(err instanceof joseErrors.JOSEAlgNotAllowed)) throw err;
        last = err;
      }
    }
    throw last;
  };

  return {
    async verify(token, nonce) {
      let payload: JWTPayload;
      try {
        payload = await verifySignature(token);
      } catch (err) {
        throw new ProviderError('id_token_invalid', `the ID token is not valid: ${describeJoseError(err)}`, { fatal: false });
      }
      checkAudience(payload, claimsToCheck, accepted);
      if (typeof payload.sub !== 'string' || payload.sub === '') {
        throw new ProviderError('id_token_invalid', 'the ID token is not valid: the sub claim is not a string', { fatal: false });
      }
      if (nonce !== undefined && payload.nonce !== nonce) {
        throw new ProviderError('id_token_invalid', 'the ID token is not valid: unexpected nonce claim value', { fatal: false });
      }
      return payload as oidc.IDToken;
    },
  };
}

/** oauth2-proxy's rule: some audience claim present, and one of its values an accepted audience. */
function checkAudience(payload: JWTPayload, claims: readonly string[], accepted: ReadonlySet<string>): void {
  let present = false;
  for (const name of claims) {
    const value = (payload as Record<string, unknown>)[name];
    if (value === undefined) continue;
    present = true;
    const list = Array.isArray(value) ? value : [value];
    if (list.some((v) => typeof v === 'string' && accepted.has(v))) return;
  }
  throw new ProviderError(
    'id_token_invalid',
    present
      ? `the ID token is not valid: its audience (${claims.join(', ')}) is not the client id nor an --oidc-extra-audience`
      : `the ID token is not valid: none of the audience claims ${claims.join(', ')} is present`,
    { fatal: false },
  );
}

/** jose's messages name the failed check and claim, never a value from the token. */
function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `${err.claim} claim check failed (${err.reason})`;
  if (err instanceof joseErrors.JWTExpired) return 'the ID token has expired';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'unexpected JWT "alg" header parameter';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches the ID token';
  if (err instanceof joseErrors.JOSEError) return err.code;
  return 'the ID token could not be checked';
}
