// login.gov as its developer documentation shows it: authorization with nonce and acr_values, a
// token endpoint that takes only a private_key_jwt client assertion (audience: the token endpoint),
// ID tokens signed with the keys at the certs URL, and a userinfo endpoint with email_verified.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { exportJWK, jwtVerify, SignJWT } from 'jose';
import { startFakeApi, type FakeApi } from './server.js';

export const LOGIN_GOV_CLIENT = 'urn:gov:gsa:openidconnect.profiles:sp:sso:agency:app';

export interface FakeLoginGov extends FakeApi {
  users: Record<string, { email: string; verified: boolean }>;
  /** The PEM private key the client signs its assertions with (PKCS#1, as openssl genrsa writes it). */
  clientKeyPem: string;
}

export async function startFakeLoginGov(): Promise<FakeLoginGov> {
  const api = (await startFakeApi()) as FakeLoginGov;
  api.users = {};
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const client = generateKeyPairSync('rsa', { modulusLength: 2048 });
  api.clientKeyPem = client.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const jwk = { ...(await exportJWK(idp.publicKey)), kid: 'lg1', alg: 'RS256', use: 'sig' };

  api.route('GET', '/api/openid_connect/certs', () => ({ body: { keys: [jwk] } }));
  api.oauth({
    authorizePath: '/openid_connect/authorize', tokenPath: '/api/openid_connect/token', clientId: LOGIN_GOV_CLIENT, clientSecret: '',
    checkClient: async (p) => {
      if (p.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return false;
      try {
        await jwtVerify(p.get('client_assertion') ?? '', client.publicKey as KeyObject, { issuer: LOGIN_GOV_CLIENT, subject: LOGIN_GOV_CLIENT, audience: `${api.url}/api/openid_connect/token` });
        return true;
      } catch {
        return false;
      }
    },
    tokenExtras: async (user) => ({
      id_token: await new SignJWT({ nonce: api.lastAuthorize?.get('nonce'), acr: api.lastAuthorize?.get('acr_values') })
        .setProtectedHeader({ alg: 'RS256', kid: 'lg1' }).setIssuer(`${api.url}/`).setAudience(LOGIN_GOV_CLIENT)
        .setSubject(`uuid-${user}`).setIssuedAt().setExpirationTime('5m').sign(idp.privateKey),
    }),
  });
  api.route('GET', '/api/openid_connect/userinfo', (req) => {
    if (!req.user) return { status: 401, body: { error: 'invalid_token' } };
    const u = api.users[req.user];
    return { body: { sub: `uuid-${req.user}`, iss: `${api.url}/`, email: u?.email, email_verified: u?.verified } };
  });
  return api;
}
