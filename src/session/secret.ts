// oauth2-proxy derives the cipher key from --cookie-secret this way, and operators' existing secrets
// must keep working: a secret that base64url-decodes to 16/24/32 bytes is used decoded, otherwise the
// raw string is used when it is itself 16/24/32 bytes long.

const VALID_LENGTHS = new Set([16, 24, 32]);

export function cookieSecretBytes(secret: string): Buffer | undefined {
  if (secret === '') return undefined;
  const unpadded = secret.replace(/=+$/, '');
  // Only the URL-safe alphabet, as oauth2-proxy decodes: a secret with '+' or '/' is used raw, and
  // decoding it here would silently produce a different key than the one existing cookies use.
  if (/^[A-Za-z0-9_-]+$/.test(unpadded) && unpadded.length % 4 !== 1) {
    const decoded = Buffer.from(unpadded, 'base64url');
    if (VALID_LENGTHS.has(decoded.length)) return decoded;
  }
  const raw = Buffer.from(secret, 'utf8');
  return VALID_LENGTHS.has(raw.length) ? raw : undefined;
}
