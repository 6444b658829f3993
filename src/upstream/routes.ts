// Path-based upstream routing with oauth2-proxy's semantics: the path of an upstream URL is only a
// routing key (it is never prepended to the forwarded path), a key ending in `/` matches as a prefix
// and any other key matches exactly, the longest key wins, and a request for `/x` when only `/x/`
// exists is answered with a 301 to `/x/`. Matching runs on the raw request target, never on a
// decoded or normalised path, so what is routed is exactly what the upstream receives.

import { isIP } from 'node:net';

export interface RouteSettings {
  /** Forward the client's Host header (false: send the upstream's host[:port]). */
  passHostHeader: boolean;
  proxyWebSockets: boolean;
  /** Max wait for the upstream's response headers. */
  timeoutMs: number;
  flushIntervalMs: number;
  insecureSkipVerify: boolean;
}

/** One upstream as the alpha config describes it; a plain URL string is the legacy form. */
export interface UpstreamSpec extends Partial<RouteSettings> {
  /** Defaults to the path, as oauth2-proxy does for legacy upstreams. */
  id?: string;
  /** Routing key; defaults to the URL's path. */
  path?: string;
  uri: string;
}

export interface Route extends Readonly<RouteSettings> {
  readonly id: string;
  /** proxy: an http(s) upstream; static: a fixed answer (static://CODE); file: a directory (file:///dir#/mount/). */
  readonly kind: 'proxy' | 'static' | 'file';
  /** static routes: the status code answered. */
  readonly staticStatus: number;
  /** file routes: the directory served. */
  readonly fileRoot: string;
  /** Routing key: a prefix when it ends in `/`, an exact path otherwise. */
  readonly path: string;
  readonly prefix: boolean;
  /** The configured URL, for logs. */
  readonly uri: string;
  readonly protocol: 'http:' | 'https:';
  /** scheme://host[:port], the connection-pool key. */
  readonly origin: string;
  /** host[:port] as a Host header value. */
  readonly host: string;
  /** Host to connect to, without IPv6 brackets. */
  readonly hostname: string;
  readonly port: number;
  /** SNI name; empty for IP literals, where SNI is not allowed. */
  readonly servername: string;
}

export type RouteMatch = { readonly route: Route; readonly redirect?: undefined } | { readonly redirect: string; readonly route?: undefined };

export interface Router {
  readonly routes: readonly Route[];
  /**
   * Accepts the request target as received (`req.url`): the query is ignored for matching and kept
   * for the redirect. undefined means no upstream serves this path (404).
   */
  match(target: string): RouteMatch | undefined;
}

export const DEFAULT_ROUTE_SETTINGS: Readonly<RouteSettings> = Object.freeze({
  passHostHeader: true,
  proxyWebSockets: true,
  timeoutMs: 30_000,
  flushIntervalMs: 1_000,
  insecureSkipVerify: false,
});

export function createRouter(upstreams: readonly (string | UpstreamSpec)[], defaults: Partial<RouteSettings> = {}): Router {
  const base: RouteSettings = { ...DEFAULT_ROUTE_SETTINGS, ...stripUndefined(defaults) };
  const routes = upstreams.map((u) => compileRoute(typeof u === 'string' ? { uri: u } : u, base));

  const ids = new Set<string>();
  const paths = new Set<string>();
  for (const r of routes) {
    if (ids.has(r.id)) throw new Error(`duplicate upstream id ${JSON.stringify(r.id)}`);
    if (paths.has(r.path)) throw new Error(`duplicate upstream path ${JSON.stringify(r.path)}`);
    ids.add(r.id);
    paths.add(r.path);
  }

  // Answers are allocated once; the hot path only returns them.
  const exact = new Map<string, RouteMatch>();
  const prefixes: { path: string; match: RouteMatch }[] = [];
  for (const r of routes) {
    const m: RouteMatch = Object.freeze({ route: r });
    if (r.prefix) prefixes.push({ path: r.path, match: m });
    else exact.set(r.path, m);
  }
  // An exact key equal to the path is at least as long as any prefix of it, so exact keys are
  // looked up first and prefixes are tried longest first.
  prefixes.sort((a, b) => b.path.length - a.path.length);
  const prefixKeys = new Set(prefixes.map((p) => p.path));

  const matchPath = (path: string): RouteMatch | undefined => {
    const e = exact.get(path);
    if (e !== undefined) return e;
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i];
      if (path.startsWith(p.path)) return p.match;
    }
    return undefined;
  };

  return {
    routes,
    match(target: string): RouteMatch | undefined {
      if (target.charCodeAt(0) !== 47 /* / */) {
        const o = originForm(target);
        if (o === undefined) return undefined;
        target = o;
      }
      const q = target.indexOf('?');
      const path = q === -1 ? target : target.slice(0, q);
      const m = matchPath(path);
      if (m !== undefined) return m;
      // Only a prefix key can make `path + '/'` match when `path` itself did not.
      if (prefixKeys.size > 0 && !path.endsWith('/') && matchPath(path + '/') !== undefined) {
        return { redirect: path + '/' + (q === -1 ? '' : target.slice(q)) };
      }
      return undefined;
    },
  };
}

/**
 * The origin-form (`/path?query`) of a request target, without decoding anything. Absolute-form
 * targets (`http://host/path`) are reduced to their path so they cannot name another host upstream.
 */
export function originForm(target: string): string | undefined {
  if (target.charCodeAt(0) === 47) return target;
  const m = /^https?:\/\/[^/?#]*/i.exec(target);
  if (m === null) return undefined;
  const rest = target.slice(m[0].length);
  if (rest === '') return '/';
  if (rest.charCodeAt(0) === 63 /* ? */) return '/' + rest;
  return rest.charCodeAt(0) === 47 ? rest : undefined;
}

/**
 * The routing key oauth2-proxy gives an upstream URL: static:// always serves /, file:// serves the
 * fragment (/ when absent), http(s):// its path. undefined for anything else.
 */
export function upstreamRoutePath(uri: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'static') return '/';
  if (scheme === 'file') {
    const hash = uri.indexOf('#');
    return hash === -1 || hash === uri.length - 1 ? '/' : uri.slice(hash + 1);
  }
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  try {
    const p = new URL(uri).pathname;
    return p === '' ? '/' : p;
  } catch {
    return undefined;
  }
}

/** static://CODE: the status, 200 when absent; undefined when not a valid status. */
export function staticStatusOf(uri: string): number | undefined {
  const rest = uri.slice('static://'.length).replace(/\/$/, '');
  if (rest === '') return 200;
  if (!/^\d{3}$/.test(rest)) return undefined;
  const code = Number(rest);
  return code >= 100 && code <= 599 ? code : undefined;
}

/** file:///dir#/mount/ → /dir; undefined unless an absolute directory path is given. */
export function fileRootOf(uri: string): string | undefined {
  const hash = uri.indexOf('#');
  const dir = decodeURIComponentSafe((hash === -1 ? uri : uri.slice(0, hash)).slice('file://'.length));
  return dir !== undefined && dir.startsWith('/') && !dir.includes('\0') ? dir : undefined;
}

function decodeURIComponentSafe(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function compileLocalRoute(spec: UpstreamSpec, base: RouteSettings, kind: 'static' | 'file'): Route {
  const staticStatus = kind === 'static' ? staticStatusOf(spec.uri) : 0;
  const fileRoot = kind === 'file' ? fileRootOf(spec.uri) : '';
  if (staticStatus === undefined) throw new Error(`upstream ${JSON.stringify(spec.uri)}: static:// takes a status code between 100 and 599`);
  if (fileRoot === undefined) throw new Error(`upstream ${JSON.stringify(spec.uri)}: file:// takes an absolute directory, as file:///dir#/mount/`);
  const path = kind === 'static' ? '/' : spec.path ?? upstreamRoutePath(spec.uri)!;
  if (!path.startsWith('/')) throw new Error(`upstream path ${JSON.stringify(path)} must start with /`);
  const settings: RouteSettings = { ...base, ...stripUndefined(spec) };
  return Object.freeze({
    id: spec.id ?? path,
    kind,
    staticStatus,
    fileRoot,
    path,
    prefix: path.endsWith('/'),
    uri: spec.uri,
    protocol: 'http:',
    origin: '',
    host: '',
    hostname: '',
    port: 0,
    servername: '',
    passHostHeader: settings.passHostHeader,
    proxyWebSockets: false,
    timeoutMs: settings.timeoutMs,
    flushIntervalMs: settings.flushIntervalMs,
    insecureSkipVerify: settings.insecureSkipVerify,
  });
}

function compileRoute(spec: UpstreamSpec, base: RouteSettings): Route {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec.uri)?.[1]?.toLowerCase();
  if (scheme === 'static' || scheme === 'file') return compileLocalRoute(spec, base, scheme);
  let url: URL;
  try {
    url = new URL(spec.uri);
  } catch {
    throw new Error(`invalid upstream URL ${JSON.stringify(spec.uri)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`upstream ${JSON.stringify(spec.uri)}: only http:// and https:// upstreams are proxied`);
  }
  if (url.hostname === '') throw new Error(`upstream ${JSON.stringify(spec.uri)} has no host`);
  const path = spec.path ?? (url.pathname === '' ? '/' : url.pathname);
  if (!path.startsWith('/')) throw new Error(`upstream path ${JSON.stringify(path)} must start with /`);

  const settings: RouteSettings = { ...base, ...stripUndefined(spec) };
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return Object.freeze({
    id: spec.id ?? path,
    kind: 'proxy' as const,
    staticStatus: 0,
    fileRoot: '',
    path,
    prefix: path.endsWith('/'),
    uri: spec.uri,
    protocol: url.protocol,
    origin: url.origin,
    host: url.host,
    hostname,
    port,
    servername: isIP(hostname) === 0 ? hostname : '',
    passHostHeader: settings.passHostHeader,
    proxyWebSockets: settings.proxyWebSockets,
    timeoutMs: settings.timeoutMs,
    flushIntervalMs: settings.flushIntervalMs,
    insecureSkipVerify: settings.insecureSkipVerify,
  });
}

function stripUndefined<T extends object>(o: T): Partial<RouteSettings> {
  const out: Partial<Record<keyof RouteSettings, unknown>> = {};
  for (const k of Object.keys(DEFAULT_ROUTE_SETTINGS) as (keyof RouteSettings)[]) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as Partial<RouteSettings>;
}
