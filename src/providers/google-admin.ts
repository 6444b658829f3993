// Google Workspace group membership through the Admin SDK Directory API, authorised by a service
// account that impersonates --google-admin-email (domain-wide delegation). The service account's
// JWT is signed with jose and exchanged at the key file's token_uri.

import { readFileSync } from 'node:fs';

import { importPKCS8, SignJWT } from 'jose';

import { createApiClient, stringAt, type ApiClient } from './http.js';
import type { Fetch } from './tls.js';
import { ProviderError } from './provider.js';

const ADMIN_API = 'https://admin.googleapis.com/admin/directory/v1/';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Tried in order: the narrowest scope the delegation grants wins. */
const GROUP_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member',
  'https://www.googleapis.com/auth/admin.directory.group',
];
const MAX_PAGES = 50;

interface ServiceAccount {
  clientEmail: string;
  privateKey: string;
  keyId?: string;
  tokenUri: string;
}

export function readServiceAccount(path: string): ServiceAccount {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new ProviderError('config', `--google-service-account-json ${path} cannot be read as JSON`);
  }
  const clientEmail = stringAt(parsed, ['client_email']);
  const privateKey = stringAt(parsed, ['private_key']);
  if (!clientEmail || !privateKey) {
    throw new ProviderError('config', `--google-service-account-json ${path} has no client_email or private_key`);
  }
  const sa: ServiceAccount = { clientEmail, privateKey, tokenUri: stringAt(parsed, ['token_uri']) ?? DEFAULT_TOKEN_URI };
  const keyId = stringAt(parsed, ['private_key_id']);
  if (keyId) sa.keyId = keyId;
  return sa;
}

export interface GoogleDirectory {
  init(): Promise<void>;
  /** The listed groups the user is an active member of. */
  memberOf(email: string, groups: readonly string[]): Promise<string[]>;
  /** Every group of the user (their email addresses). */
  allGroups(email: string): Promise<string[]>;
}

export function createGoogleDirectory(opts: { serviceAccountFile: string; adminEmail: string; adminApi?: string; timeoutMs: number; fetch?: Fetch | undefined }): GoogleDirectory {
  const api: ApiClient = createApiClient({ name: 'Google Admin SDK', timeoutMs: opts.timeoutMs, fetch: opts.fetch });
  const base = opts.adminApi ?? ADMIN_API;
  let sa: ServiceAccount | undefined;
  let scope: string | undefined;
  let cached: { token: string; until: number } | undefined;

  async function fetchToken(forScope: string): Promise<{ token: string; expiresIn: number }> {
    const account = sa as ServiceAccount;
    const key = await importPKCS8(account.privateKey, 'RS256').catch(() => {
      throw new ProviderError('config', '--google-service-account-json: private_key is not a valid PKCS#8 RSA key');
    });
    const assertion = await new SignJWT({ scope: forScope })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(account.keyId ? { kid: account.keyId } : {}) })
      .setIssuer(account.clientEmail)
      .setSubject(opts.adminEmail)
      .setAudience(account.tokenUri)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    const res = await api.call(account.tokenUri, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
    });
    const token = stringAt(res.json, ['access_token']);
    if (!token) throw new ProviderError('idp_error', 'the Google token endpoint answered without an access token', { fatal: false });
    const expiresIn = Number((res.json as { expires_in?: unknown }).expires_in);
    return { token, expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600 };
  }

  async function accessToken(): Promise<string> {
    if (cached && cached.until > Date.now()) return cached.token;
    if (!scope) await init();
    const t = await fetchToken(scope as string);
    cached = { token: t.token, until: Date.now() + (t.expiresIn - 60) * 1000 };
    return t.token;
  }

  async function init(): Promise<void> {
    sa ??= readServiceAccount(opts.serviceAccountFile);
    for (const candidate of GROUP_SCOPES) {
      try {
        const t = await fetchToken(candidate);
        scope = candidate;
        cached = { token: t.token, until: Date.now() + (t.expiresIn - 60) * 1000 };
        return;
      } catch (err) {
        if (err instanceof ProviderError && err.code === 'unauthorized_client') continue;
        throw err;
      }
    }
    throw new ProviderError('config', '--google-service-account-json: the service account may not read groups through the Admin SDK (grant it domain-wide delegation of a directory group scope)');
  }

  const headers = async () => ({ Authorization: `Bearer ${await accessToken()}`, Accept: 'application/json' });
  const url = (path: string) => new URL(path, base);

  async function isMember(email: string, group: string): Promise<boolean> {
    const g = encodeURIComponent(group);
    const m = encodeURIComponent(email);
    const res = await api.call(url(`groups/${g}/hasMember/${m}`), { headers: await headers(), accept: [400, 404] });
    if (res.status === 200) return (res.json as { isMember?: unknown }).isMember === true;
    if (res.status === 404) return false;
    // hasMember refuses some member kinds (e.g. external accounts) with 400; members.get still answers.
    const get = await api.call(url(`groups/${g}/members/${m}`), { headers: await headers(), accept: [400, 404] });
    return get.status === 200 && stringAt(get.json, ['status']) === 'ACTIVE';
  }

  return {
    init,
    async memberOf(email, groups) {
      const out: string[] = [];
      for (const g of groups) if (await isMember(email, g)) out.push(g);
      return out;
    },
    async allGroups(email) {
      const out: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const u = url('groups');
        u.searchParams.set('userKey', email);
        u.searchParams.set('maxResults', '200');
        if (pageToken) u.searchParams.set('pageToken', pageToken);
        const body = await api.getJson(u, await headers());
        const groups = (body as { groups?: unknown }).groups;
        if (Array.isArray(groups)) for (const g of groups) { const e = stringAt(g, ['email']); if (e) out.push(e); }
        pageToken = stringAt(body, ['nextPageToken']);
        if (!pageToken) break;
      }
      return out;
    },
  };
}
