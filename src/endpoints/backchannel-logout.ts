// POST <prefix>/backchannel-logout: OpenID Connect Back-Channel Logout 1.0. The provider posts a
// signed logout token when a user's provider session ends; every stored session of that IdP
// session (`sid`) or, without a sid, of that subject (`sub`) ends on every replica at once. The
// token is checked as §2.6 of the specification requires: signature against the issuer's JWKS,
// iss, aud = our client id, iat and exp, the back-channel logout event, sub and/or sid, no nonce.
// With several providers the token's (unverified) iss only chooses whose keys and client id check it.
import { jwksOptions } from '../providers/tls.js';
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ProxyError } from '../errors.js';
import { sendJson, setNoCache } from '../http/respond.js';
import type { Handler } from '../http/pipeline.js';
import type { Log } from '../log.js';
import type { LogoutMetadata, Provider } from '../providers/provider.js';
import type { RevokeTarget, SessionStore } from '../session/store.js';
import { readForm } from './form.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const CLOCK_TOLERANCE_S = 30;
/** Logout tokens are meant to be used at once; an older one is refused even if its exp allows it. */
const MAX_AGE_S = 10 * 60;

export interface BackchannelLogoutDeps {
  store: SessionStore;
  /** The default provider. */
  provider: Provider;
  /** With several providers: all whose logout tokens are accepted (those with OIDC metadata). */
  providers?: readonly Provider[];
  log: Log;
  /** The fetch that carries the IdP trust options (--provider-ca-file, --ssl-insecure-skip-verify). */
  fetch?: typeof fetch;
  /** With several providers: each one's own fetch (an extra provider may have its own CA files). */
  fetchOf?: (p: Provider) => typeof fetch | undefined;
  /** Ends what this process still holds open for the revoked sessions (websocket tunnels). */
  endOpen?: (target: RevokeTarget) => void;
}

class Refused extends Error {}

function check(payload: JWTPayload): { sub?: string; sid?: string } {
  if (typeof payload.exp !== 'number') throw new Refused('exp is missing');
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new Refused('jti is missing');
  const events = payload.events as unknown;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) throw new Refused('events is missing');
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new Refused('events lacks the back-channel logout event');
  if ('nonce' in payload) throw new Refused('a logout token must not carry a nonce');
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  if (sub === undefined && sid === undefined) throw new Refused('neither sub nor sid is present');
  return { ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
}

interface Issuer { provider: Provider; meta: LogoutMetadata }

/** The provider the token claims to come from; the first OIDC provider when it names none we know. */
function issuerOf(providers: readonly Provider[], token: string): Issuer | undefined {
  const all: Issuer[] = [];
  for (const provider of providers) {
    const meta = provider.logoutMetadata?.();
    if (meta !== undefined) all.push({ provider, meta });
  }
  if (all.length <= 1) return all[0];
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    return all[0];
  }
  // An unknown issuer still goes through verification, which refuses it with a reason for the log.
  return all.find((i) => i.meta.issuer === iss) ?? all[0];
}

export function makeBackchannelLogout(deps: BackchannelLogoutDeps): Handler {
  const providers = deps.providers ?? [deps.provider];
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keysOf = ({ provider, meta }: Issuer) => {
    let set = keySets.get(meta.jwksUri);
    if (set === undefined) {
      set = createRemoteJWKSet(new URL(meta.jwksUri), jwksOptions(5_000, deps.fetchOf?.(provider) ?? deps.fetch));
      keySets.set(meta.jwksUri, set);
    }
    return set;
  };
  const refuse = (res: Parameters<Handler>[1], description: string) =>
    sendJson(res, 400, { error: 'invalid_request', error_description: description });

  return async (req, res, scope) => {
    setNoCache(res);
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, { error: 'invalid_request', error_description: 'use POST' });
      return;
    }
    const available = providers.some((p) => p.logoutMetadata?.() !== undefined);
    const revoke = deps.store.revoke?.bind(deps.store);
    if (!available || !revoke) throw new ProxyError('SERVICE_UNAVAILABLE', 'back-channel logout is not available');
    const token = (await readForm(req)).get('logout_token');
    if (!token) return refuse(res, 'logout_token is missing');
    const issuer = issuerOf(providers, token);
    if (!issuer) throw new ProxyError('SERVICE_UNAVAILABLE', 'back-channel logout is not available');
    const { meta } = issuer;

    let target: { sub?: string; sid?: string };
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keysOf(issuer), {
        issuer: meta.issuer,
        audience: meta.clientId,
        algorithms: ALGORITHMS,
        requiredClaims: ['iat', 'exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
        maxTokenAge: MAX_AGE_S,
      });
      const typ = protectedHeader.typ?.toLowerCase();
      if (typ !== undefined && typ !== 'jwt' && typ !== 'logout+jwt' && typ !== 'application/logout+jwt') {
        throw new Refused(`typ ${JSON.stringify(protectedHeader.typ)} is not a logout token type`);
      }
      target = check(payload);
    } catch (err) {
      const reason =
        err instanceof Refused ? err.message
        : err instanceof joseErrors.JOSEError ? `${err.code}: ${err.message}`
        : 'the token could not be verified';
      deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: '', status: 'AuthFailure', reason: `back-channel logout refused: ${reason}` });
      if (err instanceof joseErrors.JWKSTimeout || (err instanceof Error && !(err instanceof joseErrors.JOSEError) && !(err instanceof Refused))) {
        throw new ProxyError('SERVICE_UNAVAILABLE', 'the provider keys could not be fetched', { cause: err });
      }
      return refuse(res, reason);
    }
    const revoked: RevokeTarget = target.sid ? { sid: target.sid } : { sub: target.sub };
    // With several providers the same sub may name different people at different issuers.
    if (providers.length > 1) revoked.providerId = issuer.provider.id;
    const ended = await revoke(revoked);
    deps.endOpen?.(revoked);
    deps.log.auth({ requestId: scope.id, client: scope.clientIp, user: target.sub ?? '', status: 'AuthSuccess', reason: `back-channel logout: ${ended} session${ended === 1 ? '' : 's'} ended` });
    res.statusCode = 200;
    res.setHeader('Content-Length', 0);
    res.end();
  };
}
