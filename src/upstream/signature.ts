// --signature-key: oauth2-proxy's deprecated request signing (github.com/mbland/hmacauth), so an
// upstream that verifies GAP-Signature keeps working. The signed string is the method, then one
// line per listed header (its values joined with ","), then the path (percent-decoded, as Go's
// URL.Path) and the raw query; a body of known length follows it into the HMAC. The upstream sees
// exactly the headers signed here.
import { createHmac, getHashes } from 'node:crypto';
import type { OutgoingHeaders } from './headers.js';

/** The headers hmacauth signs for oauth2-proxy, in its order. */
export const SIGNATURE_HEADERS: readonly string[] = [
  'Content-Length', 'Content-Md5', 'Content-Type', 'Date', 'Authorization', 'X-Forwarded-User', 'X-Forwarded-Email',
  'X-Forwarded-Preferred-User', 'X-Forwarded-Access-Token', 'Cookie', 'Gap-Auth',
];

const ALGORITHMS: readonly string[] = ['md4', 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512', 'ripemd160'];

export interface RequestSigner {
  /** The GAP-Signature value, as `<algorithm> <base64 HMAC>`; `target` is the request target as received. */
  sign(method: string, target: string, headers: OutgoingHeaders, body: Buffer | undefined): string;
}

function parse(spec: string): { algorithm: string; key: string } | string {
  const parts = spec.split(':');
  // The value is never quoted back: it holds the secret.
  if (parts.length !== 2) return 'expected algorithm:secret (the secret may not contain ":")';
  const algorithm = parts[0] as string;
  if (!ALGORITHMS.includes(algorithm)) return `unsupported algorithm ${JSON.stringify(algorithm.slice(0, 20))} (valid: ${ALGORITHMS.join(', ')})`;
  if (!getHashes().includes(algorithm)) return `algorithm ${algorithm} is not available in this Node.js build (use sha256, sha512, sha1 or md5)`;
  return { algorithm, key: parts[1] as string };
}

/** Why a --signature-key value cannot be used; undefined when it can. */
export function signatureKeyProblem(spec: string): string | undefined {
  const r = parse(spec);
  return typeof r === 'string' ? r : undefined;
}

export function createRequestSigner(spec: string): RequestSigner {
  const r = parse(spec);
  if (typeof r === 'string') throw new Error(`--signature-key: ${r}`);
  const { algorithm, key } = r;
  const wanted = new Map(SIGNATURE_HEADERS.map((h, i) => [h.toLowerCase(), i]));
  return {
    sign(method, target, headers, body) {
      const values: string[][] = SIGNATURE_HEADERS.map(() => []);
      for (let i = 0; i < headers.length; i += 2) {
        const at = wanted.get((headers[i] as string).toLowerCase());
        if (at !== undefined) (values[at] as string[]).push(headers[i + 1] as string);
      }
      let text = method + '\n';
      for (const v of values) text += v.join(',') + '\n';
      const q = target.indexOf('?');
      const h = createHmac(algorithm, key).update(text, 'latin1').update(decodePath(q === -1 ? target : target.slice(0, q)));
      if (q !== -1 && q < target.length - 1) h.update(target.slice(q), 'latin1');
      if (body !== undefined) h.update(body);
      return `${algorithm} ${h.digest('base64')}`;
    },
  };
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** %XX escapes decoded to the bytes they stand for; anything else kept as is. */
export function decodePath(path: string): Buffer {
  const raw = Buffer.from(path, 'latin1');
  if (path.indexOf('%') === -1) return raw;
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as number;
    if (c === 37 && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1] as number);
      const lo = hexValue(raw[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[n++] = hi * 16 + lo;
        i += 2;
        continue;
      }
    }
    out[n++] = c;
  }
  return out.subarray(0, n);
}
