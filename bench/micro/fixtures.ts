// Inputs shaped like production traffic. Sizes matter more than contents here: the cost of the
// session cookie grows with the tokens it carries, and a browser sends a dozen headers and a
// handful of third-party cookies alongside ours on every request.

import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { SessionState } from '../../src/session/state.js';

/** Deterministic filler, so every run benchmarks exactly the same bytes. */
function pseudoRandom(seed: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(seed + i).digest('base64url');
  return out.slice(0, length);
}

/** A JWT-looking string of about `length` characters: header.payload.signature. */
export function fakeJwt(seed: string, length: number): string {
  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url');
  const signature = pseudoRandom(seed + 'sig', 342); // an RS256 signature
  const payloadLength = Math.max(16, length - header.length - signature.length - 2);
  return `${header}.${pseudoRandom(seed, payloadLength)}.${signature}`;
}

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

/** About 2.9 KB of session JSON: fits one cookie, as most OIDC sessions do. */
export const SESSION: SessionState = {
  user: 'f3a1c9e2-7b44-4d0e-9a51-2c8e6f0b1d37',
  email: 'alice.martin@example.com',
  groups: ['engineering', 'platform-team', 'oncall', 'grafana-editors', 'k8s-prod-readers'],
  preferredUsername: 'alice.martin',
  idToken: fakeJwt('id', 1024),
  accessToken: fakeJwt('access', 900),
  refreshToken: fakeJwt('refresh', 480),
  createdAt: NOW - 60_000,
  expiresOn: NOW + 240_000,
  providerId: 'keycloak',
};

/** An Azure/Keycloak-style session with fat tokens and many groups: split into `_0`, `_1`, … */
export const BIG_SESSION: SessionState = {
  ...SESSION,
  groups: Array.from({ length: 40 }, (_, i) => `team-${i}-${pseudoRandom('g' + i, 12)}`),
  accessToken: fakeJwt('access-big', 2600),
  refreshToken: fakeJwt('refresh-big', 900),
};

export const COOKIE_NAME = '_oauth2_proxy';
// base64url of 32 bytes, as `openssl rand -base64 32` gives operators: AES-256.
export const COOKIE_SECRET = pseudoRandom('secret', 43);

/** Our session cookie(s) among the third-party cookies a real site accumulates. */
export function browserCookieHeader(sessionCookies: readonly string[]): string {
  return [
    '_ga=GA1.2.1234567890.1700000000',
    '_gid=GA1.2.987654321.1700000000',
    'theme=dark',
    ...sessionCookies,
    `csrftoken=${pseudoRandom('csrf', 32)}`,
    'locale=en-GB',
  ].join('; ');
}

/** A Chrome navigation request, plus one spoofed identity header that must be stripped. */
export function browserRawHeaders(cookie: string): string[] {
  return [
    'Host', 'app.example.com',
    'Connection', 'keep-alive',
    'sec-ch-ua', '"Chromium";v="131", "Not_A Brand";v="24"',
    'sec-ch-ua-mobile', '?0',
    'sec-ch-ua-platform', '"Linux"',
    'Upgrade-Insecure-Requests', '1',
    'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
    'Sec-Fetch-Site', 'same-origin',
    'Sec-Fetch-Mode', 'navigate',
    'Sec-Fetch-User', '?1',
    'Sec-Fetch-Dest', 'document',
    'Referer', 'https://app.example.com/app/dashboard',
    'Accept-Encoding', 'gzip, deflate, br, zstd',
    'Accept-Language', 'en-GB,en;q=0.9',
    'Cookie', cookie,
    'X-Forwarded-User', 'admin',
  ];
}

/** What node:http hands the pipeline, reduced to the fields the request path reads. */
export function fakeRequest(raw: string[], url: string, method = 'GET', remoteAddress = '10.1.2.3'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    headers[k] = headers[k] === undefined ? raw[i + 1] : k === 'cookie' ? headers[k] + '; ' + raw[i + 1] : headers[k] + ', ' + raw[i + 1];
  }
  const socket = { remoteAddress, encrypted: false };
  return { rawHeaders: raw, headers, method, url, httpVersion: '1.1', socket } as unknown as IncomingMessage;
}

/** `name=value` pairs from Set-Cookie lines, as the browser would send them back. */
export function cookiePairs(setCookies: readonly string[]): string[] {
  return setCookies.map((line) => line.slice(0, line.indexOf(';') === -1 ? line.length : line.indexOf(';')));
}
