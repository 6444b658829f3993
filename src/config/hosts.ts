// Host-based routing's view of the configuration (an oauth2-sidecar extension): the host entries,
// from `--upstream=<host>=<url>` or the alpha file's `hosts:`, the checks that need the merged
// options, and the Config each host is served with. A host's Config is the main one with that
// host's upstreams and cookie overrides, so every other setting (provider, authorization, the
// policy options, headers) is the same table for every host.
import { splitHostUpstream, type HostPattern } from '../upstream/hosts.js';
import { alphaExtrasOf, attachAlphaExtras, type AlphaUpstream } from './alpha.js';
import { keepRouteTable } from './policy-file.js';
import type { HostCookie } from './alpha-types.js';
import { formatDuration } from './duration.js';
import type { Config } from './types.js';

export interface HostEntry {
  /** Where the entry comes from, for messages: `--upstream` or `hosts[1]`. */
  where: string;
  hosts: readonly HostPattern[];
  /** Plain upstream URLs (flag form) or alpha upstreams. */
  upstreams: ReadonlyArray<string | AlphaUpstream>;
  cookie: HostCookie;
}

/** The host entries; empty when host-based routing is not configured. */
export function hostEntriesOf(config: Config): HostEntry[] {
  const alpha = alphaExtrasOf(config);
  const entries: HostEntry[] = (alpha?.hosts ?? []).map((h) => ({ where: h.where, hosts: h.hosts, upstreams: h.upstreams, cookie: h.cookie }));
  const byHost = new Map<HostPattern, string[]>();
  for (const value of config.upstreams) {
    const bound = splitHostUpstream(value);
    if ('problem' in bound || bound.host === undefined) continue;
    const list = byHost.get(bound.host) ?? [];
    list.push(bound.uri);
    byHost.set(bound.host, list);
  }
  for (const [host, upstreams] of byHost) entries.push({ where: '--upstream', hosts: [host], upstreams, cookie: {} });
  return entries;
}

/** The upstreams of requests no host entry claims: the plain --upstream URLs. */
function defaultUpstreams(config: Config): string[] {
  return config.upstreams.filter((value) => {
    const bound = splitHostUpstream(value);
    return 'problem' in bound || bound.host === undefined;
  });
}

function derive(config: Config, upstreams: ReadonlyArray<string | AlphaUpstream>, cookie: HostCookie): Config {
  const alpha = alphaExtrasOf(config);
  const derived = Object.freeze({
    ...config,
    upstreams: Object.freeze(alpha ? [] : (upstreams as string[])),
    ...(cookie.name !== undefined ? { cookieName: cookie.name } : {}),
    ...(cookie.domains !== undefined ? { cookieDomains: Object.freeze([...cookie.domains]) } : {}),
    ...(cookie.path !== undefined ? { cookiePath: cookie.path } : {}),
    ...(cookie.expire !== undefined ? { cookieExpire: cookie.expire } : {}),
    ...(cookie.refresh !== undefined ? { cookieRefresh: cookie.refresh } : {}),
    ...(cookie.secure !== undefined ? { cookieSecure: cookie.secure } : {}),
    ...(cookie.httpOnly !== undefined ? { cookieHttponly: cookie.httpOnly } : {}),
    ...(cookie.sameSite !== undefined ? { cookieSamesite: cookie.sameSite } : {}),
    ...(cookie.csrfExpire !== undefined ? { cookieCsrfExpire: cookie.csrfExpire } : {}),
  }) as Config;
  if (alpha) {
    const { hosts: _hosts, ...rest } = alpha;
    attachAlphaExtras(derived, { ...rest, upstreams: upstreams as AlphaUpstream[] });
  }
  keepRouteTable(config, derived);
  return derived;
}

export interface HostConfigs {
  /** For requests whose host no entry names. */
  fallback: Config;
  hosts: Array<{ patterns: readonly HostPattern[]; config: Config }>;
}

/** The Config of every host entry and of the rest; undefined without host entries. */
export function hostConfigsOf(config: Config): HostConfigs | undefined {
  const entries = hostEntriesOf(config);
  if (entries.length === 0) return undefined;
  const alpha = alphaExtrasOf(config);
  return {
    fallback: derive(config, alpha ? alpha.upstreams : defaultUpstreams(config), {}),
    hosts: entries.map((e) => ({ patterns: e.hosts, config: derive(config, e.upstreams, e.cookie) })),
  };
}

/** Checks that need the merged options; [flag, problem] pairs as validate() reports them. */
export function hostProblems(config: Config): Array<[flag: string, problem: string]> {
  const out: Array<[string, string]> = [];
  const inFile = (where: string) => (where.startsWith('--') ? where : `${where} in --alpha-config`);
  for (const e of hostEntriesOf(config)) {
    const set = Object.keys(e.cookie) as (keyof HostCookie)[];
    if (set.length === 0) continue;
    const redirectHost = absoluteUrlHost(config.redirectUrl);
    if (redirectHost !== undefined && !e.hosts.every((h) => sameHost(h, redirectHost))) {
      out.push(['redirect-url', `${JSON.stringify(config.redirectUrl)} sends every sign-in back to ${redirectHost.name}, but ${inFile(e.where)} (${e.hosts.join(', ')}) sets its own session cookie, which a callback on another host cannot set; leave --redirect-url empty, or give only its path (as /oauth2/callback), so the callback URL is derived from each request's host (add --relative-redirect-url to send the provider the path alone)`]);
    }
    // The lifetime rule across the entry's values and the global ones (each value alone was checked
    // when the file was read).
    if ((e.cookie.expire === undefined) !== (e.cookie.refresh === undefined)) {
      const expire = e.cookie.expire ?? config.cookieExpire;
      const refresh = e.cookie.refresh ?? config.cookieRefresh;
      const own = e.cookie.refresh !== undefined ? 'refresh' : 'expire';
      if (expire > 0 && refresh >= expire) {
        out.push(['alpha-config', `${config.alphaConfig}: ${e.where}.cookie.${own}: the refresh age must be less than the expiry (${formatDuration(refresh)} >= ${formatDuration(expire)})`]);
      }
    }
    if (config.sessionCookieMinimal && (e.cookie.refresh ?? 0) > 0) {
      out.push(['alpha-config', `${config.alphaConfig}: ${e.where}.cookie.refresh: cannot be more than 0 with --session-cookie-minimal, which keeps no refresh token in the session`]);
    }
  }
  return out;
}

function absoluteUrlHost(url: string): { name: string; port: string } | undefined {
  if (!/^https?:\/\//i.test(url)) return undefined;
  try {
    const u = new URL(url);
    return { name: u.hostname.toLowerCase(), port: u.port };
  } catch {
    return undefined;
  }
}

function sameHost(pattern: HostPattern, target: { name: string; port: string }): boolean {
  if (pattern.startsWith('*.')) return false;
  const colon = pattern.lastIndexOf(':');
  const hasPort = colon !== -1 && colon > pattern.lastIndexOf(']');
  return hasPort ? pattern === `${target.name}:${target.port}` : pattern === target.name;
}
