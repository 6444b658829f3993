// Google's sign-in and Admin SDK as documented: the token endpoint answers with a signed ID token
// (keys at a JWKS URL), a service account exchanges its signed JWT (jwt-bearer grant) at the key
// file's token_uri, and the Directory API answers hasMember, members.get and groups.list (paged
// with nextPageToken).
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, importSPKI, jwtVerify, SignJWT } from 'jose';
import { startFakeApi, type FakeApi, type FakeRequest } from './server.js';

export const GOOGLE_CLIENT = { id: 'g-client.apps.googleusercontent.com', secret: 'g-secret' };

export interface FakeGoogle extends FakeApi {
  /** email → verified, and the Workspace groups of the address. */
  users: Record<string, { email: string; verified: boolean; groups?: string[] }>;
  /** The service account key file's content. */
  serviceAccountJson(): string;
  /** Scopes the service account is refused (unauthorized_client), to exercise the fallback. */
  refusedScopes: Set<string>;
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const api = (await startFakeApi()) as FakeGoogle;
  api.users = {};
  api.refusedScopes = new Set();
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(idp.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const saPublic = await importSPKI(sa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), 'RS256');
  const saEmail = 'proxy@project.iam.gserviceaccount.com';
  let saToken = '';

  api.serviceAccountJson = () => JSON.stringify({
    type: 'service_account', project_id: 'project', private_key_id: 'sa-key-1',
    private_key: sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: saEmail, client_id: '123', token_uri: `${api.url}/sa-token`,
  });

  api.route('GET', '/oauth2/v3/certs', () => ({ body: { keys: [jwk] } }));
  api.oauth({
    authorizePath: '/o/oauth2/auth', tokenPath: '/token', clientId: GOOGLE_CLIENT.id, clientSecret: GOOGLE_CLIENT.secret,
    tokenExtras: async (user) => {
      const u = api.users[user];
      const idToken = await new SignJWT({ email: u?.email, email_verified: u?.verified, hd: u?.email.split('@')[1] })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://accounts.google.com').setAudience(GOOGLE_CLIENT.id)
        .setSubject(`1000${user.length}${user}`).setIssuedAt().setExpirationTime('1h').sign(idp.privateKey);
      return { id_token: idToken, scope: 'openid email profile' };
    },
  });
  api.route('POST', '/sa-token', async (req) => {
    const p = new URLSearchParams(req.body);
    if (p.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type' } };
    try {
      const { payload, protectedHeader } = await jwtVerify(p.get('assertion') ?? '', saPublic, { issuer: saEmail, audience: `${api.url}/sa-token` });
      if (protectedHeader.kid !== 'sa-key-1' || typeof payload.sub !== 'string') return { status: 400, body: { error: 'invalid_grant' } };
      if (api.refusedScopes.has(String(payload.scope))) return { status: 401, body: { error: 'unauthorized_client', error_description: 'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.' } };
    } catch {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    }
    saToken = `sa-${Date.now()}`;
    return { body: { access_token: saToken, expires_in: 3599, token_type: 'Bearer' } };
  });
  const admin = (req: FakeRequest) => (req.headers.authorization === `Bearer ${saToken}` ? undefined : { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.' } } });
  const groupsOf = (email: string) => Object.values(api.users).find((u) => u.email === email)?.groups ?? [];
  api.route('GET', /^\/admin\/directory\/v1\/groups\/([^/]+)\/hasMember\/([^/]+)$/, (req, m) => {
    const denied = admin(req);
    if (denied) return denied;
    const group = decodeURIComponent(m[1] ?? '');
    if (!Object.values(api.users).some((u) => u.groups?.includes(group))) return { status: 404, body: { error: { code: 404, message: 'Resource Not Found: groupKey' } } };
    return { body: { isMember: groupsOf(decodeURIComponent(m[2] ?? '')).includes(group) } };
  });
  api.route('GET', '/admin/directory/v1/groups', (req) => {
    const denied = admin(req);
    if (denied) return denied;
    const all = groupsOf(req.query.get('userKey') ?? '');
    const start = Number(req.query.get('pageToken') ?? '0');
    const page = all.slice(start, start + 2);
    return { body: { kind: 'admin#directory#groups', groups: page.map((email, i) => ({ kind: 'admin#directory#group', id: `id${start + i}`, email })), ...(start + 2 < all.length ? { nextPageToken: String(start + 2) } : {}) } };
  });
  return api;
}
