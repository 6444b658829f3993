// Azure AD's OAuth2 endpoints and Microsoft Graph as documented: per tenant, v1
// (/<tenant>/oauth2/{authorize,token}) and v2.0 (/<tenant>/oauth2/v2.0/{authorize,token}) with
// discovery documents and a JWKS; the token endpoint answers with a signed ID token. Graph answers
// /v1.0/me and /v1.0/me/transitiveMemberOf (security groups only, two per page, @odata.nextLink).
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, SignJWT } from 'jose';
import { startFakeApi, type FakeApi, type FakeRequest } from './server.js';

export const AZURE_CLIENT = { id: 'az-client-id', secret: 'az-secret' };
/** Tenants the fake serves; `common` is the multi-tenant one, whose issuer is a template. */
export const AZURE_TENANTS = ['contoso', 'common'] as const;
/** The tenant id put in every token's `tid`. */
export const AZURE_TID = '11111111-2222-3333-4444-555555555555';

export interface AzureGroup { id: string; displayName: string; securityEnabled: boolean }

export interface AzureUser {
  /** ID token claims besides iss/aud/sub/tid/iat/exp (email, upn, unique_name, groups…). */
  claims: Record<string, unknown>;
  /** Graph's /me. */
  profile?: { mail?: string; otherMails?: string[]; userPrincipalName?: string };
  /** Graph's transitiveMemberOf. */
  memberOf?: AzureGroup[];
}

export interface FakeAzure extends FakeApi {
  users: Record<string, AzureUser>;
  /** Leave the ID token out of refresh responses. */
  omitIdTokenOnRefresh: boolean;
  /** Sign ID tokens with a key outside the JWKS. */
  signWithForeignKey: boolean;
  /** Status Graph answers with (e.g. 403 without consent); 0 for normal answers. */
  graphStatus: number;
  /** The issuer named in the discovery document and the tokens of a tenant and version. */
  issuer(tenant: string, v2: boolean): string;
}

export async function startFakeAzure(): Promise<FakeAzure> {
  const api = (await startFakeApi()) as FakeAzure;
  api.users = {};
  api.omitIdTokenOnRefresh = false;
  api.signWithForeignKey = false;
  api.graphStatus = 0;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(await exportJWK(idp.publicKey)), kid: 'az1', alg: 'RS256', use: 'sig' };
  // Like Microsoft: v2 issuers on the login host, v1 issuers on sts; multi-tenant ones templated.
  api.issuer = (tenant, v2) => {
    const t = tenant === 'common' ? '{tenantid}' : tenant;
    return v2 ? `${api.url}/${t}/v2.0` : `${api.url}/sts/${t}/`;
  };
  const tokenIssuer = (tenant: string, v2: boolean) => api.issuer(tenant, v2).replace('{tenantid}', AZURE_TID);

  for (const tenant of AZURE_TENANTS) {
    for (const v2 of [false, true]) {
      const base = `/${tenant}/oauth2/${v2 ? 'v2.0/' : ''}`;
      // v1 documents are found under the login host and under the sts issuer alike.
      const discovery = v2 ? `/${tenant}/v2.0/.well-known/openid-configuration` : new RegExp(`^(/sts)?/${tenant}/\\.well-known/openid-configuration$`);
      api.route('GET', discovery, () => ({
        body: {
          issuer: api.issuer(tenant, v2),
          authorization_endpoint: `${api.url}${base}authorize`,
          token_endpoint: `${api.url}${base}token`,
          jwks_uri: `${api.url}/${tenant}/discovery/${v2 ? 'v2.0/' : ''}keys`,
          userinfo_endpoint: v2 ? `${api.url}/oidc/userinfo` : `${api.url}/${tenant}/openid/userinfo`,
        },
      }));
      api.route('GET', `/${tenant}/discovery/${v2 ? 'v2.0/' : ''}keys`, () => ({ body: { keys: [jwk] } }));
      api.oauth({
        authorizePath: `${base}authorize`, tokenPath: `${base}token`, clientId: AZURE_CLIENT.id, clientSecret: AZURE_CLIENT.secret,
        tokenExtras: async (user, params) => {
          if (api.omitIdTokenOnRefresh && params.get('grant_type') === 'refresh_token') return {};
          const u = api.users[user];
          const idToken = await new SignJWT({ ...u?.claims, tid: AZURE_TID, ver: v2 ? '2.0' : '1.0' })
            .setProtectedHeader({ alg: 'RS256', kid: 'az1' }).setIssuer(tokenIssuer(tenant, v2)).setAudience(AZURE_CLIENT.id)
            .setSubject(`sub-${user}`).setIssuedAt().setExpirationTime('1h')
            .sign(api.signWithForeignKey ? foreign.privateKey : idp.privateKey);
          // Azure v1 sends expires_in as a string, and expires_on besides.
          return { id_token: idToken, expires_in: '3599', expires_on: String(Math.floor(Date.now() / 1000) + 3599) };
        },
      });
    }
  }

  const graphDenied = (req: FakeRequest) => {
    if (req.user === undefined) return { status: 401, body: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } } };
    if (api.graphStatus) return { status: api.graphStatus, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } };
    return undefined;
  };
  api.route('GET', '/v1.0/me', (req) => graphDenied(req) ?? { body: { id: `oid-${req.user}`, ...api.users[req.user ?? '']?.profile } });
  api.route('GET', '/v1.0/me/transitiveMemberOf', (req) => {
    const denied = graphDenied(req);
    if (denied) return denied;
    // Graph refuses these filters without the advanced-query pair.
    if (req.headers.consistencylevel !== 'eventual' || req.query.get('$count') !== 'true') {
      return { status: 400, body: { error: { code: 'Request_UnsupportedQuery', message: 'Unsupported query.' } } };
    }
    const security = req.query.get('$filter') === 'securityEnabled eq true';
    const all = (api.users[req.user ?? '']?.memberOf ?? []).filter((g) => !security || g.securityEnabled);
    const select = (req.query.get('$select') ?? 'id,displayName').split(',');
    const start = Number(req.query.get('$skiptoken') ?? '0');
    const page = all.slice(start, start + 2).map((g) => ({
      '@odata.type': '#microsoft.graph.group',
      ...Object.fromEntries(select.filter((k) => k in g).map((k) => [k, g[k as keyof AzureGroup]])),
    }));
    const next = new URL(`${api.url}/v1.0/me/transitiveMemberOf`);
    for (const [k, v] of req.query) if (k !== '$skiptoken') next.searchParams.set(k, v);
    next.searchParams.set('$skiptoken', String(start + 2));
    return { body: { '@odata.count': all.length, value: page, ...(start + 2 < all.length ? { '@odata.nextLink': next.href } : {}) } };
  });
  return api;
}
