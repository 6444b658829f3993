// Calls to provider APIs (token endpoints, profile and membership APIs) for the providers that are
// not plain OpenID Connect. Every failure becomes a ProviderError whose message names the API by
// origin and path only: URLs, bodies and headers may carry tokens, so none of them is quoted.

import { ProviderError } from './provider.js';
import type { Fetch } from './tls.js';

const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
  text: string;
}

export interface ApiRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Statuses handed back to the caller instead of becoming errors (e.g. 404 for "not a member"). */
  accept?: readonly number[];
}

export interface ApiClient {
  call(url: string | URL, req?: ApiRequest): Promise<ApiResponse>;
  /** GET and return the JSON body, which must be present. */
  getJson(url: string | URL, headers?: Record<string, string>): Promise<unknown>;
}

/** A URL fit for messages: no credentials, no query. */
export function describeUrl(url: URL): string {
  return url.origin + url.pathname;
}

export function createApiClient(opts: { name: string; timeoutMs: number; fetch?: Fetch | undefined }): ApiClient {
  const doFetch = opts.fetch ?? fetch;
  async function call(raw: string | URL, req: ApiRequest = {}): Promise<ApiResponse> {
    const url = new URL(raw);
    const where = `${opts.name} ${describeUrl(url)}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method: req.method ?? 'GET',
        headers: { 'User-Agent': 'oauth2-sidecar', ...req.headers },
        body: req.body,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const reason = (err as { name?: string }).name === 'TimeoutError' ? `no answer within ${opts.timeoutMs} ms` : networkReason(err);
      throw new ProviderError('network', `${where} failed: ${reason}`, { fatal: false });
    }
    const text = await readLimited(res, where);
    let json: unknown;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const out = { status: res.status, headers: res.headers, json, text };
    if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status)) return out;
    throw statusError(where, out);
  }

  return {
    call,
    async getJson(url, headers) {
      const res = await call(url, { headers: { Accept: 'application/json', ...headers } });
      if (res.json === undefined) throw new ProviderError('idp_error', `${opts.name} ${describeUrl(new URL(url))} did not answer with JSON`, { fatal: false });
      return res.json;
    },
  };
}

async function readLimited(res: Response, where: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    await res.body?.cancel();
    throw new ProviderError('idp_error', `${where} sent a response larger than ${MAX_BODY_BYTES} bytes`, { fatal: false });
  }
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new ProviderError('idp_error', `${where} sent a response larger than ${MAX_BODY_BYTES} bytes`, { fatal: false });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkReason(err: unknown): string {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+)$/.test(code)) return `network error (${code})`;
    cur = (cur as { cause?: unknown }).cause;
  }
  return 'network error';
}

/** OAuth error codes are short tokens (RFC 6749 §5.2); anything else from the body stays out. */
function oauthErrorCode(json: unknown): string | undefined {
  const e = (json as { error?: unknown } | undefined)?.error;
  return typeof e === 'string' && /^[\x20-\x7e]{1,64}$/.test(e) && /^[a-z_]+$/i.test(e) ? e : undefined;
}

function statusError(where: string, res: ApiResponse): ProviderError {
  const remaining = res.headers.get('x-ratelimit-remaining');
  if (res.status === 429 || (res.status === 403 && remaining === '0')) {
    const reset = Number(res.headers.get('x-ratelimit-reset') ?? res.headers.get('retry-after') ?? '');
    const when = Number.isFinite(reset) && reset > 1e9 ? ` until ${new Date(reset * 1000).toISOString()}` : '';
    return new ProviderError('rate_limited', `${where} is rate limited${when}`, { fatal: false });
  }
  const code = oauthErrorCode(res.json);
  if (code) {
    return new ProviderError(code, `${where} answered ${res.status} ${code}`);
  }
  return new ProviderError(res.status === 401 ? 'invalid_token' : 'idp_error', `${where} answered ${res.status}`, { fatal: false });
}

/** The rel="next" target of an RFC 8288 Link header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2] ?? '')) return m[1];
  }
  return undefined;
}

/** Reads a nested value by path, e.g. ['ocs', 'data', 'email']. */
export function pathValue(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof p === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[p];
    } else {
      if (Array.isArray(cur) || !Object.hasOwn(cur, p)) return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
  }
  return cur;
}

export function stringAt(v: unknown, path: readonly (string | number)[]): string | undefined {
  const s = pathValue(v, path);
  return typeof s === 'string' && s !== '' ? s : undefined;
}

export function stringsAt(v: unknown, path: readonly (string | number)[]): string[] {
  const a = pathValue(v, path);
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

/** Decodes a JWT's payload without checking it; only for tokens received straight from the token endpoint. */
export function unverifiedJwtPayload(token: string | undefined): Record<string, unknown> | undefined {
  if (!token) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function unique(list: Iterable<string>): string[] {
  return [...new Set(list)];
}
