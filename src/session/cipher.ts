// Authenticated encryption of cookie payloads. GCM rather than oauth2-proxy's CFB: the outer HMAC
// already authenticates, but GCM also makes a payload decrypted under the wrong key fail loudly
// instead of yielding garbage for the decoder to trip over.

import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { cookieSecretBytes } from './secret.js';

const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export interface PayloadCipher {
  /** iv ‖ ciphertext ‖ tag */
  encrypt(plain: Buffer): Buffer;
  /** undefined when the data is too short, was altered, or was sealed with another key. */
  decrypt(sealed: Buffer): Buffer | undefined;
}

type GcmAlgorithm = 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm';

/** Throws when the secret does not yield a 16/24/32-byte key; configuration validation reports that earlier. */
export function createPayloadCipher(secret: string): PayloadCipher {
  const raw = cookieSecretBytes(secret);
  if (raw === undefined) throw new Error('cookie secret must be 16, 24 or 32 bytes, or base64url of that');
  const algorithm = `aes-${raw.length * 8}-gcm` as GcmAlgorithm;
  const key: KeyObject = createSecretKey(raw);

  return {
    encrypt(plain) {
      const iv = randomBytes(IV_LENGTH);
      const c = createCipheriv(algorithm, key, iv, { authTagLength: TAG_LENGTH });
      const body = c.update(plain);
      const last = c.final();
      return Buffer.concat([iv, body, last, c.getAuthTag()]);
    },
    decrypt(sealed) {
      if (!Buffer.isBuffer(sealed) || sealed.length < IV_LENGTH + TAG_LENGTH) return undefined;
      try {
        const d = createDecipheriv(algorithm, key, sealed.subarray(0, IV_LENGTH), { authTagLength: TAG_LENGTH });
        d.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
        const body = d.update(sealed.subarray(IV_LENGTH, sealed.length - TAG_LENGTH));
        const last = d.final();
        return last.length === 0 ? body : Buffer.concat([body, last]);
      } catch {
        return undefined;
      }
    },
  };
}
