// Starts the dev IdP the way most integration tests want it: quiet, with a confidential client for
// the proxy that accepts its callback on any loopback port.

import { startDevIdp, type DevClient, type DevIdp, type DevIdpOptions } from '../../src/devidp/index.js';

export { DEMO_PASSWORD, DEMO_USERS, startDevIdp } from '../../src/devidp/index.js';
export type { DevClient, DevIdp, DevIdpOptions, DevIdpStats, DevUser } from '../../src/devidp/index.js';

export const TEST_CLIENT_ID = 'proxy';
export const TEST_CLIENT_SECRET = 'proxy-secret';

export interface TestIdpOverrides extends Partial<DevIdpOptions> {
  /** Redirect URIs of the `proxy` client; default http://127.0.0.1/oauth2/callback on any port. */
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Extra fields for the `proxy` client (e.g. tokenEndpointAuthMethod). */
  client?: Partial<DevClient>;
}

export function startTestIdp(overrides: TestIdpOverrides = {}): Promise<DevIdp> {
  const { redirectUris, postLogoutRedirectUris, client, clients, ...rest } = overrides;
  const proxyClient: DevClient = {
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    redirectUris: redirectUris ?? ['http://127.0.0.1/oauth2/callback', 'http://localhost/oauth2/callback'],
    postLogoutRedirectUris: postLogoutRedirectUris ?? ['http://127.0.0.1/', 'http://localhost/'],
    // Proxies under test listen on port 0, so their callback port is not known up front.
    anyLoopbackPort: true,
    ...client,
  };
  return startDevIdp({ quiet: true, ...rest, clients: clients ?? [proxyClient] });
}
