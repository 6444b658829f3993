// The OpenID Provider every target signs in against: the project's development provider
// (oidc-provider) on loopback, with one confidential client that accepts each peer's callback path
// on any loopback port, and the client_credentials grant for the JWT bearer row.
import { startDevIdp, DEMO_PASSWORD, type DevIdp } from '../../src/devidp/index.js';

export const BENCH_CLIENT_ID = 'bench';
export const BENCH_CLIENT_SECRET = 'bench-secret-0123456789';
export const BENCH_USER = 'alice';
export const BENCH_PASSWORD = DEMO_PASSWORD;

/** Callback paths of the targets: oauth2-sidecar, Apache mod_auth_openidc, express-openid-connect. */
const CALLBACK_PATHS = ['/oauth2/callback', '/redirect_uri', '/callback'];

export function startBenchIdp(): Promise<DevIdp> {
  return startDevIdp({
    quiet: true,
    clientCredentials: true,
    clients: [{
      clientId: BENCH_CLIENT_ID,
      clientSecret: BENCH_CLIENT_SECRET,
      redirectUris: CALLBACK_PATHS.map((p) => `http://127.0.0.1${p}`),
      postLogoutRedirectUris: ['http://127.0.0.1/'],
      anyLoopbackPort: true,
    }],
  });
}
