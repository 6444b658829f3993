// TLS towards the identity provider: extra CA bundles (--provider-ca-file, --use-system-trust-store)
// and --ssl-insecure-skip-verify. Every outbound provider call (discovery, token, userinfo, JWKS,
// provider APIs) goes through the one fetch built here, so the trust rules cannot differ per call.

import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';

import { customFetch, type RemoteJWKSetOptions } from 'jose';
import type { Agent } from 'undici';

import { ProviderError } from './provider.js';

export type Fetch = typeof fetch;

export interface ProviderTlsOptions {
  providerCaFiles?: readonly string[];
  useSystemTrustStore?: boolean;
  sslInsecureSkipVerify?: boolean;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of one PEM bundle; throws with a message naming the file (never its content). */
export function readCaBundle(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new Error(`${path} cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) throw new Error(`${path} holds no PEM certificate`);
  for (const pem of certs) {
    try {
      new X509Certificate(pem);
    } catch {
      throw new Error(`${path} holds a PEM certificate that cannot be parsed`);
    }
  }
  return certs;
}

/** undefined when the defaults (system roots, verification on) apply: the global fetch is used then. */
export function providerFetch(o: ProviderTlsOptions): Fetch | undefined {
  const files = o.providerCaFiles ?? [];
  if (files.length === 0 && !o.sslInsecureSkipVerify) return undefined;
  const ca: string[] = [];
  for (const file of files) {
    try {
      ca.push(...readCaBundle(file));
    } catch (err) {
      throw new ProviderError('config', `--provider-ca-file: ${(err as Error).message}`);
    }
  }
  // Node's `ca` option replaces the default roots, which is oauth2-proxy's behaviour without
  // --use-system-trust-store; with it, the default roots are kept next to the given CAs.
  if (ca.length > 0 && o.useSystemTrustStore) ca.unshift(...systemRoots());
  // undici is loaded on the first call: a proxy that never talks to its provider through custom
  // TLS settings (or not yet: before the first sign-in) keeps none of it in memory.
  let agent: Promise<{ agent: Agent; fetch: typeof import('undici').fetch }> | undefined;
  const f = async (input: Parameters<Fetch>[0], init?: Parameters<Fetch>[1]) => {
    agent ??= import('undici').then((u) => ({
      fetch: u.fetch,
      agent: new u.Agent({
        connect: {
          ...(ca.length > 0 ? { ca } : {}),
          rejectUnauthorized: !o.sslInsecureSkipVerify,
        },
      }),
    }));
    const a = await agent;
    return a.fetch(input as Parameters<typeof a.fetch>[0], { ...(init as Parameters<typeof a.fetch>[1]), dispatcher: a.agent });
  };
  return f as unknown as Fetch;
}

/** The operating system's roots where Node can list them, else Node's bundled roots (the default ones). */
function systemRoots(): readonly string[] {
  const list = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (typeof list === 'function') {
    try {
      return [...new Set([...list('default'), ...list('system')])];
    } catch {
      // Older Node lines know no 'system' store; the default roots still apply.
    }
  }
  return tls.rootCertificates;
}

/** Options for jose's remote key sets that keep the provider TLS options. */
export function jwksOptions(timeoutMs: number, f: Fetch | undefined): RemoteJWKSetOptions {
  const o: RemoteJWKSetOptions = { timeoutDuration: timeoutMs };
  if (f) o[customFetch] = f as NonNullable<RemoteJWKSetOptions[typeof customFetch]>;
  return o;
}
