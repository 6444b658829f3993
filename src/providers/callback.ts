// The checks every provider makes on the callback before redeeming a code: the provider's own
// error, then the state, then the code, compared in constant time. Text from the provider is
// shortened and scrubbed of anything secret before it can reach a message.
import { timingSafeEqual } from 'node:crypto';
import { ProviderError, type RedeemRequest } from './provider.js';

export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Keeps text from the IdP short, printable and free of anything we consider secret. */
export function sanitize(text: string, secrets: Array<string | undefined>): string {
  let out = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (const s of secrets) {
    if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  }
  return out.length > 200 ? `${out.slice(0, 200)}…` : out;
}

/** Returns the authorization code once the callback is known to answer this very sign-in. */
export function checkCallback(r: RedeemRequest, secrets: Array<string | undefined>): string {
  const query = r.callbackUrl.searchParams;
  const error = query.get('error');
  if (error !== null) {
    const description = sanitize(query.get('error_description') ?? '', secrets);
    throw new ProviderError(
      error || 'access_denied',
      `the identity provider refused the sign-in: ${sanitize(error, secrets)}${description ? ` (${description})` : ''}`,
      { fatal: false },
    );
  }
  const state = query.get('state');
  if (state === null || !sameString(state, r.state)) {
    throw new ProviderError('state_mismatch', 'the state returned by the identity provider does not match this sign-in');
  }
  const code = query.get('code');
  if (!code || !sameString(code, r.code)) {
    throw new ProviderError('invalid_request', 'the callback does not carry the authorization code being redeemed');
  }
  return code;
}
