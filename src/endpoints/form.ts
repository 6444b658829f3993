// Reads a small urlencoded body (form_post callbacks, sign-in forms) with a hard size cap, so a
// client cannot make the proxy buffer an unbounded body.
import type { IncomingMessage } from 'node:http';
import { ProxyError } from '../errors.js';

const MAX_FORM_BYTES = 64 * 1024;

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new ProxyError('BAD_REQUEST', 'Request body too large.', { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
