// Reading credentials from the Authorization header, shared by the bearer and Basic steps.
import type { IncomingMessage } from 'node:http';

export type Credentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'basic'; user: string; password: string }
  | undefined;

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// GitHub's convention, which oauth2-proxy follows: a token sent as a Basic user name or password
// with this word (or nothing) as the other half.
const TOKEN_WORD = 'x-oauth-basic';

export function readCredentials(req: IncomingMessage): Credentials {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const space = h.indexOf(' ');
  if (space === -1) return undefined;
  const scheme = h.slice(0, space).toLowerCase();
  const value = h.slice(space + 1).trim();
  if (scheme === 'bearer') return value === '' ? undefined : { kind: 'bearer', token: value };
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (JWT_SHAPE.test(user) && (password === '' || password === TOKEN_WORD)) return { kind: 'bearer', token: user };
  if (JWT_SHAPE.test(password) && (user === '' || user === TOKEN_WORD)) return { kind: 'bearer', token: password };
  return { kind: 'basic', user, password };
}
