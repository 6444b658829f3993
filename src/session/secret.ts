// oauth2-proxy derives the cipher key from --cookie-secret this way, and operators' existing secrets
// must keep working: a secret that base64url-decodes to 16/24/32 bytes is used decoded, otherwise the
// raw string is used when it is itself 16/24/32 bytes long.

const VALID_LENGTHS = new Set([16, 24, 32]);

export function cookieSecretBytes(secret: string): Buffer | undefined {
  if (secret === '') return undefined;
  const unpadded = secret.replace(/=+$/, '');
  if (/^[A-Za-z0-9_-]+$/.test(unpadded) || /^[A-Za-z0-9+/]+$/.test(unpadded)) {
    const decoded = Buffer.from(unpadded.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    if (VALID_LENGTHS.has(decoded.length)) return decoded;
  }
  const raw = Buffer.from(secret, 'utf8');
  return VALID_LENGTHS.has(raw.length) ? raw : undefined;
}
