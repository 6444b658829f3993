// The ticket a server-side session is found by, in oauth2-proxy's v2 format so the cookie looks the
// same to anything that inspects it: `v2.<base64url(id)>.<base64url(secret)>`, carried inside the
// usual signed cookie value. The id (`<cookie-name>-<32 hex>`) is the storage key; the secret is an
// AES-128-GCM key that exists only in the user's cookie, so the stored value is unreadable to
// anyone who can read the store but not the cookie.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ID_BYTES = 16;
const SECRET_BYTES = 16;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;
const HEX32 = /^[0-9a-f]{32}$/;

export interface Ticket {
  /** Storage key: `<cookie-name>-<32 lower-case hex>`. */
  id: string;
  secret: Buffer;
}

export function mintTicket(cookieName: string): Ticket {
  return { id: `${cookieName}-${randomBytes(ID_BYTES).toString('hex')}`, secret: randomBytes(SECRET_BYTES) };
}

export function encodeTicket(t: Ticket): string {
  return `v2.${Buffer.from(t.id, 'utf8').toString('base64url')}.${t.secret.toString('base64url')}`;
}

/**
 * The ticket in `text` when it is exactly what mintTicket makes for this cookie name; anything
 * else (other formats, other names, odd lengths) is refused before it can become a storage key.
 */
export function decodeTicket(cookieName: string, text: string): Ticket | undefined {
  const parts = text.split('.');
  if (parts.length !== 3 || parts[0] !== 'v2') return undefined;
  const [, idPart = '', secretPart = ''] = parts;
  if (!/^[A-Za-z0-9_-]+$/.test(idPart) || !/^[A-Za-z0-9_-]+$/.test(secretPart)) return undefined;
  const id = Buffer.from(idPart, 'base64url').toString('utf8');
  const secret = Buffer.from(secretPart, 'base64url');
  if (secret.length !== SECRET_BYTES) return undefined;
  const prefix = cookieName + '-';
  if (!id.startsWith(prefix) || !HEX32.test(id.slice(prefix.length))) return undefined;
  return { id, secret };
}

/** iv ‖ ciphertext ‖ tag; the id is authenticated too, so a value cannot be moved to another key. */
export function sealWithTicket(t: Ticket, plain: Buffer): Buffer {
  const iv = randomBytes(IV_LENGTH);
  const c = createCipheriv('aes-128-gcm', t.secret, iv, { authTagLength: TAG_LENGTH });
  c.setAAD(Buffer.from(t.id, 'utf8'));
  return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
}

export function openWithTicket(t: Ticket, sealed: Buffer): Buffer | undefined {
  if (sealed.length < IV_LENGTH + TAG_LENGTH) return undefined;
  try {
    const d = createDecipheriv('aes-128-gcm', t.secret, sealed.subarray(0, IV_LENGTH), { authTagLength: TAG_LENGTH });
    d.setAAD(Buffer.from(t.id, 'utf8'));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
    return Buffer.concat([d.update(sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH)), d.final()]);
  } catch {
    return undefined;
  }
}
