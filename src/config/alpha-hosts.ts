// The oauth2-sidecar-only `hosts:` key of the alpha YAML: per-host upstreams and session cookie
// settings for host-based routing. Each entry is checked here on its own (shape, host patterns,
// cookie values); checks that need the merged options (--redirect-url, the global cookie lifetime)
// run with the rest of validation in hosts.ts.
import { parseHostPattern, type HostPattern } from '../upstream/hosts.js';
import type { AlphaHost, AlphaUpstream, HostCookie } from './alpha-types.js';
import { cookieProblems } from './cookie-checks.js';
import { parseGoDuration } from './duration.js';

type Fail = (where: string, reason: string) => void;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const COOKIE_KEYS = ['name', 'domains', 'path', 'expire', 'refresh', 'secure', 'httpOnly', 'sameSite', 'csrfExpire'] as const;
/** The global check's flag → the key of a host's cookie mapping. */
export const COOKIE_KEY_OF_FLAG: Readonly<Record<string, keyof HostCookie>> = {
  'cookie-name': 'name', 'cookie-samesite': 'sameSite', 'cookie-expire': 'expire', 'cookie-refresh': 'refresh', 'cookie-csrf-expire': 'csrfExpire',
};

/** `readUpstreams` reads a list shaped as upstreamConfig.upstreams, reporting under the given path. */
export function readHosts(value: unknown, fail: Fail, readUpstreams: (where: string, list: unknown[]) => AlphaUpstream[]): AlphaHost[] {
  if (!Array.isArray(value)) { fail('hosts', 'must be a list'); return []; }
  const out: AlphaHost[] = [];
  const seen = new Map<HostPattern, string>();
  value.forEach((h: unknown, i) => {
    const where = `hosts[${i}]`;
    if (!isObj(h)) return fail(where, 'must be a mapping');
    for (const k of Object.keys(h)) if (!['host', 'upstreams', 'cookie'].includes(k)) fail(`${where}.${k}`, 'unknown key');
    const hosts: HostPattern[] = [];
    const given = typeof h.host === 'string' ? [h.host] : h.host;
    if (!Array.isArray(given) || given.length === 0 || !given.every((x) => typeof x === 'string')) {
      fail(`${where}.host`, 'missing setting (a host name, *.suffix, or a list of them)');
    } else {
      given.forEach((raw: string, j) => {
        const at = Array.isArray(h.host) ? `${where}.host[${j}]` : `${where}.host`;
        const p = parseHostPattern(raw);
        if ('problem' in p) return fail(at, p.problem);
        const other = seen.get(p.pattern);
        if (other !== undefined) return fail(at, `${p.pattern} is already listed in ${other}`);
        seen.set(p.pattern, where);
        hosts.push(p.pattern);
      });
    }
    let upstreams: AlphaUpstream[] = [];
    if (!Array.isArray(h.upstreams) || h.upstreams.length === 0) fail(`${where}.upstreams`, 'missing setting (a non-empty list shaped as upstreamConfig.upstreams)');
    else upstreams = readUpstreams(`${where}.upstreams`, h.upstreams);
    out.push({ where, hosts, upstreams, cookie: h.cookie === undefined ? {} : readCookie(`${where}.cookie`, h.cookie, fail) });
  });
  return out;
}

function readCookie(where: string, v: unknown, fail: Fail): HostCookie {
  const c: HostCookie = {};
  if (!isObj(v)) { fail(where, 'must be a mapping'); return c; }
  for (const k of Object.keys(v)) if (!(COOKIE_KEYS as readonly string[]).includes(k)) fail(`${where}.${k}`, 'unknown key');
  const str = (k: 'name' | 'path' | 'sameSite') => {
    if (v[k] === undefined) return;
    if (typeof v[k] === 'string') c[k] = v[k];
    else fail(`${where}.${k}`, 'must be a string');
  };
  str('name'); str('path'); str('sameSite');
  if (c.path !== undefined && !c.path.startsWith('/')) fail(`${where}.path`, `${JSON.stringify(c.path)} must start with /`);
  for (const k of ['secure', 'httpOnly'] as const) {
    if (v[k] === undefined) continue;
    if (typeof v[k] === 'boolean') c[k] = v[k];
    else fail(`${where}.${k}`, 'must be true or false');
  }
  if (v.domains !== undefined) {
    const d = typeof v.domains === 'string' ? [v.domains] : v.domains;
    if (Array.isArray(d) && d.every((x) => typeof x === 'string' && x.trim() !== '')) c.domains = d as string[];
    else fail(`${where}.domains`, 'must be a list of domain names');
  }
  for (const k of ['expire', 'refresh', 'csrfExpire'] as const) {
    const raw = v[k];
    if (raw === undefined) continue;
    const d = raw === 0 ? { ok: true as const, ms: 0 } : typeof raw === 'string' ? parseGoDuration(raw.trim()) : undefined;
    if (d?.ok) c[k] = d.ms;
    else fail(`${where}.${k}`, 'must be a duration such as "168h"');
  }
  // The global checks, on the values this entry sets; neutral values stand in for the rest (an
  // expiry of 0 leaves the refresh-versus-expiry rule to the merged check in hosts.ts).
  const problems = cookieProblems({
    cookieName: c.name ?? '_', cookieSamesite: c.sameSite ?? '', cookieExpire: c.expire ?? 0,
    cookieRefresh: c.refresh ?? 0, cookieCsrfExpire: c.csrfExpire ?? 1,
  });
  for (const [flag, problem] of problems) {
    const key = COOKIE_KEY_OF_FLAG[flag];
    if (key !== undefined && c[key] !== undefined) fail(`${where}.${key}`, problem.replace('--cookie-expire', 'cookie.expire'));
  }
  return c;
}
