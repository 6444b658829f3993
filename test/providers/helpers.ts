// Shared pieces for the provider tests: a callback endpoint that records what the IdP sends back,
// PKCE material, and a sign-in driven over HTTP up to that callback.

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Provider } from '../../src/providers/index.js';
import { createClient, signIn, type HttpClient } from '../support/http-client.js';
import { REFUSED_PORT } from '../support/ports.js';

export interface LocalServer {
  origin: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer & { server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface CallbackServer extends LocalServer {
  redirectUri: string;
  /** Every callback query received, oldest first. */
  received: URL[];
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const received: URL[] = [];
  const s = await listen((req, res) => {
    received.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('callback received');
  });
  return { ...s, redirectUri: `${s.origin}/oauth2/callback`, received };
}

/** A port nothing listens on, for as long as the test runs. */
export async function closedPort(): Promise<number> {
  return REFUSED_PORT;
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface CompletedLogin {
  callbackUrl: URL;
  redirectUri: string;
  state: string;
  nonce: string;
  verifier: string;
  code: string;
  visited: string[];
  client: HttpClient;
}

/** Builds the provider's authorization URL and signs in at the dev IdP until the callback is hit. */
export async function loginAt(
  provider: Provider,
  callback: CallbackServer,
  user: { username: string; password?: string },
  client: HttpClient = createClient(),
): Promise<CompletedLogin> {
  const state = randomToken();
  const nonce = randomToken();
  const { verifier, challenge } = pkcePair();
  const method = provider.pkceMethod();
  const url = provider.authorizationUrl({
    redirectUri: callback.redirectUri,
    state,
    nonce,
    ...(method === 'S256' ? { codeChallenge: challenge, codeChallengeMethod: 'S256' as const } : {}),
  });
  const { response, visited } = await signIn(client, {
    startUrl: url,
    username: user.username,
    password: user.password ?? 'password',
    stopAt: callback.origin,
  });
  if (response.status !== 200) throw new Error(`sign-in did not reach the callback: HTTP ${response.status} at ${response.url}`);
  const callbackUrl = new URL(response.url);
  return {
    callbackUrl,
    redirectUri: callback.redirectUri,
    state,
    nonce,
    verifier: method === 'S256' ? verifier : '',
    code: callbackUrl.searchParams.get('code') ?? '',
    visited,
    client,
  };
}

export function redeemRequest(l: CompletedLogin) {
  return {
    code: l.code,
    redirectUri: l.redirectUri,
    state: l.state,
    nonce: l.nonce,
    ...(l.verifier ? { codeVerifier: l.verifier } : {}),
    callbackUrl: l.callbackUrl,
  };
}

export function jwtPayload(jwt: string | undefined): Record<string, unknown> {
  if (!jwt) throw new Error('no JWT');
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/**
 * A token endpoint in front of the IdP's that forwards each request as is and lets the test
 * rewrite the JSON answer: how tests get responses a well-behaved IdP would never send.
 */
export async function rewritingTokenEndpoint(
  issuer: string,
  rewrite: (json: Record<string, unknown>, form: URLSearchParams) => Record<string, unknown>,
): Promise<LocalServer & { url: string }> {
  const s = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      void fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: String(req.headers.authorization ?? ''),
          'content-type': String(req.headers['content-type'] ?? ''),
        },
        body,
      })
        .then(async (r) => {
          const json = (await r.json()) as Record<string, unknown>;
          const out = r.ok ? rewrite(json, new URLSearchParams(body.toString())) : json;
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  return { ...s, url: `${s.origin}/token` };
}
