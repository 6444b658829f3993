// Drives a provider through one sign-in against a fake authorization server, without the proxy:
// the authorization URL is requested, the fake redirects back with a code, and the provider redeems it.
import { randomBytes } from 'node:crypto';
import type { Provider } from '../../../src/providers/provider.js';
import type { SessionState } from '../../../src/session/state.js';

export const CALLBACK = 'http://127.0.0.1:4180/oauth2/callback';

export async function providerSignIn(provider: Provider, opts: { nonce?: string } = {}): Promise<SessionState> {
  const state = randomBytes(8).toString('hex');
  const auth = provider.authorizationUrl({ redirectUri: CALLBACK, state, ...(opts.nonce ? { nonce: opts.nonce } : {}) });
  const res = await fetch(auth, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  const callbackUrl = new URL(location);
  return provider.redeem({
    code: callbackUrl.searchParams.get('code') ?? '',
    redirectUri: CALLBACK,
    state,
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
    callbackUrl,
  });
}
