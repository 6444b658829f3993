// A small browser stand-in for integration tests: a cookie jar per host:port, no automatic
// redirects, and a helper that walks a whole sign-in through whatever sends it to the IdP.
// Everything here relies on plain HTTP behaviour only (status codes, Location, Set-Cookie, HTML forms).

import { Agent, request as undiciRequest } from 'undici';

// Split session cookies (several 4000-character Set-Cookie lines) easily pass the 16 KiB header
// limit undici inherits from Node, which a browser would accept.
const dispatcher = new Agent({ maxHeaderSize: 1024 * 1024 });

export interface ClientRequestInit {
  method?: string;
  headers?: Record<string, string>;
  /** A plain object is sent as an urlencoded form. */
  body?: string | URLSearchParams | Record<string, string>;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  setCookies: string[];
  /** The URL that produced this response. */
  url: string;
}

export interface HttpClient {
  request(url: string | URL, init?: ClientRequestInit): Promise<ClientResponse>;
  /** Cookie values by name, per host:port. */
  cookies: Map<string, Map<string, string>>;
  /** The Cookie header this client would send to `url` ('' when none). */
  cookieHeader(url: string | URL): string;
}

interface CookieMeta {
  path: string;
  /** ms since epoch; Infinity for session cookies. */
  expiresAt: number;
}

function hostKey(u: URL): string {
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.hostname}:${port}`;
}

/** RFC 6265 §5.1.4 default-path: the request path up to its last slash. */
function defaultPath(path: string): string {
  if (!path.startsWith('/')) return '/';
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

export function createClient(): HttpClient {
  const cookies = new Map<string, Map<string, string>>();
  const meta = new Map<string, Map<string, CookieMeta>>();

  function jar(key: string): [Map<string, string>, Map<string, CookieMeta>] {
    let values = cookies.get(key);
    if (!values) cookies.set(key, (values = new Map()));
    let attrs = meta.get(key);
    if (!attrs) meta.set(key, (attrs = new Map()));
    return [values, attrs];
  }

  // Secure and Domain are ignored: tests talk plain http to loopback hosts, where browsers treat
  // the origin as secure, and every cookie stays with the host:port that set it.
  function store(u: URL, header: string): void {
    const [pair = '', ...attrParts] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === '') return;
    let path = defaultPath(u.pathname);
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const part of attrParts) {
      const i = part.indexOf('=');
      const key = (i === -1 ? part : part.slice(0, i)).trim().toLowerCase();
      const val = i === -1 ? '' : part.slice(i + 1).trim();
      if (key === 'path' && val.startsWith('/')) path = val;
      else if (key === 'max-age' && /^-?\d+$/.test(val)) maxAge = Number(val);
      else if (key === 'expires') {
        const t = Date.parse(val);
        if (!Number.isNaN(t)) expires = t;
      }
    }
    const expiresAt = maxAge !== undefined ? (maxAge <= 0 ? 0 : Date.now() + maxAge * 1000) : (expires ?? Infinity);
    const [values, attrs] = jar(hostKey(u));
    if (expiresAt <= Date.now()) {
      values.delete(name);
      attrs.delete(name);
      return;
    }
    values.set(name, value);
    attrs.set(name, { path, expiresAt });
  }

  function cookieHeader(url: string | URL): string {
    const u = new URL(url);
    const key = hostKey(u);
    const values = cookies.get(key);
    if (!values) return '';
    const attrs = meta.get(key) ?? new Map<string, CookieMeta>();
    const now = Date.now();
    const out: Array<[string, string, number]> = [];
    for (const [name, value] of values) {
      const m = attrs.get(name) ?? { path: '/', expiresAt: Infinity };
      if (m.expiresAt <= now) {
        values.delete(name);
        attrs.delete(name);
        continue;
      }
      if (pathMatches(m.path, u.pathname)) out.push([name, value, m.path.length]);
    }
    // Longer paths first, as browsers order them.
    out.sort((a, b) => b[2] - a[2]);
    return out.map(([n, v]) => `${n}=${v}`).join('; ');
  }

  async function request(url: string | URL, init: ClientRequestInit = {}): Promise<ClientResponse> {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: string | undefined;
    if (init.body !== undefined) {
      if (typeof init.body === 'string') body = init.body;
      else {
        body = (init.body instanceof URLSearchParams ? init.body : new URLSearchParams(init.body)).toString();
        headers['content-type'] ??= 'application/x-www-form-urlencoded';
      }
    }
    if (headers.cookie === undefined) {
      const cookie = cookieHeader(u);
      if (cookie !== '') headers.cookie = cookie;
    }
    const method = init.method ?? (body === undefined ? 'GET' : 'POST');
    const res = await undiciRequest(u, { method: method as 'GET', headers, body, dispatcher });
    const text = await res.body.text();
    const raw = res.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const sc of setCookies) store(u, sc);
    return { status: res.statusCode, headers: res.headers, body: text, setCookies, url: u.href };
  }

  return { request, cookies, cookieHeader };
}

export function header(res: ClientResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export function isRedirect(res: ClientResponse): boolean {
  return res.status >= 300 && res.status < 400 && header(res, 'location') !== undefined;
}

// ---- minimal HTML form reading -------------------------------------------------------------

export interface HtmlForm {
  action: string;
  method: string;
  inputs: Array<{ name: string; type: string; value: string }>;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_m, e: string) => {
    const l = e.toLowerCase();
    if (l === 'amp') return '&';
    if (l === 'lt') return '<';
    if (l === 'gt') return '>';
    if (l === 'quot') return '"';
    if (l === 'apos') return "'";
    if (l.startsWith('#x')) return String.fromCodePoint(parseInt(l.slice(2), 16));
    return String.fromCodePoint(parseInt(l.slice(1), 10));
  });
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  for (const m of tag.matchAll(re)) {
    out[m[1]!.toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = attributes(m[1]!);
    const inputs: HtmlForm['inputs'] = [];
    for (const im of m[2]!.matchAll(/<input\b([^>]*)>/gi)) {
      const a = attributes(im[1]!);
      if (a.name === undefined) continue;
      inputs.push({ name: a.name, type: (a.type ?? 'text').toLowerCase(), value: a.value ?? '' });
    }
    forms.push({ action: attrs.action ?? '', method: (attrs.method ?? 'get').toUpperCase(), inputs });
  }
  return forms;
}

function isLoginForm(f: HtmlForm): boolean {
  return f.inputs.some((i) => i.type === 'password');
}

// ---- sign-in walker --------------------------------------------------------------------------

export interface SignInOptions {
  /** The proxy's /oauth2/start?… or any protected URL; also any URL that leads to the IdP. */
  startUrl: string | URL;
  username: string;
  password: string;
  /**
   * Where the walk ends. Default: the first response from the start URL's origin after the walk
   * has been elsewhere (the proxy's callback). A string is compared as an origin.
   */
  stopAt?: string | URL | ((url: URL) => boolean);
  /** Safety net against redirect loops; default 25 requests. */
  maxRequests?: number;
}

export interface SignInResult {
  /** The last response: the callback's, or the re-rendered login form if the IdP refused the credentials. */
  response: ClientResponse;
  /** Every URL requested, in order. */
  visited: string[];
}

export async function signIn(client: HttpClient, opts: SignInOptions): Promise<SignInResult> {
  const start = new URL(opts.startUrl);
  const max = opts.maxRequests ?? 25;
  const stopAt = opts.stopAt;
  const stop: ((u: URL) => boolean) | undefined =
    typeof stopAt === 'function' ? stopAt : stopAt !== undefined ? (u) => u.origin === new URL(stopAt).origin : undefined;
  const visited: string[] = [];
  let leftStart = false;
  let credentialsJustSent = false;

  const go = async (url: URL, init?: ClientRequestInit): Promise<ClientResponse> => {
    if (visited.length >= max) {
      throw new Error(`signIn: gave up after ${max} requests; visited:\n  ${visited.join('\n  ')}`);
    }
    visited.push(url.href);
    return client.request(url, init);
  };

  let res = await go(start);
  for (;;) {
    const here = new URL(res.url);
    if (here.origin !== start.origin) leftStart = true;
    if (visited.length > 1 && (stop ? stop(here) : leftStart && here.origin === start.origin)) {
      return { response: res, visited };
    }

    if (isRedirect(res)) {
      credentialsJustSent = false;
      res = await go(new URL(header(res, 'location')!, here));
      continue;
    }

    const forms = parseForms(res.body);
    const login = forms.find(isLoginForm);
    if (login) {
      // The IdP answered our credentials with its form again: they were refused.
      if (credentialsJustSent) return { response: res, visited };
      const fields = new URLSearchParams();
      const userField =
        login.inputs.find((i) => ['username', 'login', 'user', 'email'].includes(i.name)) ??
        login.inputs.find((i) => i.type === 'text' || i.type === 'email');
      for (const i of login.inputs) {
        if (i.type === 'password') fields.set(i.name, opts.password);
        else if (i === userField) fields.set(i.name, opts.username);
        else if (i.type === 'hidden') fields.append(i.name, i.value);
      }
      credentialsJustSent = true;
      res = await submit(login, fields, here);
      continue;
    }

    // A sign-in page in front of the IdP (e.g. a "Sign in with …" button) is just another form.
    if (!leftStart && forms.length === 1) {
      const fields = new URLSearchParams();
      for (const i of forms[0]!.inputs) if (i.type === 'hidden') fields.append(i.name, i.value);
      credentialsJustSent = false;
      res = await submit(forms[0]!, fields, here);
      continue;
    }

    throw new Error(
      `signIn: stuck at ${here.href} (HTTP ${res.status}), neither a redirect nor a login form; visited:\n  ${visited.join('\n  ')}`,
    );
  }

  async function submit(form: HtmlForm, fields: URLSearchParams, base: URL): Promise<ClientResponse> {
    const action = new URL(form.action || base.href, base);
    if (form.method === 'POST') return go(action, { method: 'POST', body: fields });
    action.search = fields.toString();
    return go(action);
  }
}
