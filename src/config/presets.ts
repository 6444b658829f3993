// Values oauth2-sidecar fills in on its own: --demo (a one-flag local trial) and --dev-oidc-provider
// (pointing the proxy at the embedded development OpenID Provider).

import { randomBytes } from 'node:crypto';

import { optionByName, type OptionSpec } from './options.js';
import type { OptionValue } from './types.js';

export const DEV_OIDC_CLIENT_ID = 'oauth2-sidecar-dev';
export const DEV_OIDC_CLIENT_SECRET = 'oauth2-sidecar-dev-secret';
export const DEMO_DEV_OIDC_ADDRESS = '127.0.0.1:5556';

function spec(name: string): OptionSpec {
  const s = optionByName(name);
  if (s === undefined) throw new Error(`option table has no --${name}`);
  return s;
}

/**
 * The --demo layer, below the config file. No redirect URL: with cookie-secure off the callback is
 * derived from the request's own host, so the demo works on whatever --http-address it is given. The cookie secret is not part of it: it is generated only
 * once every source has been looked at and none supplied one (see load.ts).
 */
export function demoPresets(): Map<OptionSpec, OptionValue> {
  return new Map<OptionSpec, OptionValue>([
    [spec('upstream'), ['http://127.0.0.1:8080']],
    [spec('dev-oidc-provider'), DEMO_DEV_OIDC_ADDRESS],
    [spec('cookie-secure'), false],
    [spec('email-domain'), ['*']],
  ]);
}

export function randomCookieSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Settings derived from --dev-oidc-provider, each applied only where the operator left the option
 * empty, so a partially configured real provider is never silently replaced. The provider kind is
 * replaced unless it was given explicitly, since its default (google) is not empty.
 */
export function devOidcPresets(
  address: string,
  current: (name: string) => OptionValue,
  explicit: (name: string) => boolean,
): Map<OptionSpec, OptionValue> {
  const out = new Map<OptionSpec, OptionValue>();
  if (!explicit('provider')) out.set(spec('provider'), 'oidc');
  if (current('oidc-issuer-url') === '') out.set(spec('oidc-issuer-url'), `http://${address}`);
  if (current('client-id') === '') out.set(spec('client-id'), DEV_OIDC_CLIENT_ID);
  if (current('client-secret') === '' && current('client-secret-file') === '') {
    out.set(spec('client-secret'), DEV_OIDC_CLIENT_SECRET);
  }
  return out;
}
