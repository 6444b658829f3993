// Which requests need no sign-in (skip-auth routes and regexes, trusted client IPs, CORS preflight)
// and which are API calls (answered 401 rather than sent to a sign-in page). Every rule is compiled
// at start-up; on the hot path a request without rules costs one boolean test.
//
// Rules see the canonical path from http/target.ts, never the query or fragment, and never an
// ambiguous path: whatever a rule lets through is exactly what the upstream will serve.
import { BlockList, isIP } from 'node:net';
import { compileRouteRegex } from './regex.js';

export interface AccessRuleOptions {
  skipAuthRoutes: readonly string[];
  skipAuthRegex: readonly string[];
  apiRoutes: readonly string[];
  skipAuthPreflight: boolean;
  trustedIps: readonly string[];
}

/** The parts of a request the rules look at. */
export interface RuleInput {
  method: string;
  /** Canonical, fully decoded path. */
  decoded: string;
  query: string;
  ambiguous: boolean;
  clientIp: string;
}

export interface AccessRules {
  /** Whether any skip rule is configured; false lets callers skip building a RuleInput. */
  readonly any: boolean;
  /** true when the request may pass without a session. */
  skips(r: RuleInput): boolean;
  /** true when the request matches --api-route. */
  isApi(r: RuleInput): boolean;
}

interface SkipRoute {
  method: string;
  negate: boolean;
  regex: RegExp;
}

export type RuleProblem = [flag: string, message: string];

// Longer paths are never matched: the bound keeps the cost of any regex on a crafted path small.
const MAX_MATCHED_LENGTH = 4096;

/** oauth2-proxy's parsing: `[METHOD]=regex`, `[METHOD]!=regex` or a bare regex; `!=` anywhere negates. */
export function parseSkipRoute(entry: string): { method: string; negate: boolean; pattern: string } {
  const negate = entry.includes('!=');
  const eq = entry.indexOf('=');
  if (eq === -1) return { method: '', negate, pattern: entry };
  let method = entry.slice(0, eq);
  if (method.endsWith('!')) method = method.slice(0, -1);
  return { method: method.toUpperCase(), negate, pattern: entry.slice(eq + 1) };
}

export function compileAccessRules(opts: AccessRuleOptions): { rules: AccessRules; problems: RuleProblem[] } {
  const problems: RuleProblem[] = [];
  const routes: SkipRoute[] = [];
  const compile = (flag: string, entry: string, pattern: string): RegExp | undefined => {
    const c = compileRouteRegex(pattern);
    if (!c.ok) problems.push([flag, `${JSON.stringify(entry)}: ${c.problem}`]);
    return c.ok ? c.regex : undefined;
  };

  for (const entry of opts.skipAuthRoutes) {
    const r = parseSkipRoute(entry);
    if (r.method !== '' && !/^[A-Z]+$/.test(r.method)) {
      problems.push(['skip-auth-route', `${JSON.stringify(entry)}: ${JSON.stringify(r.method)} is not an HTTP method`]);
      continue;
    }
    const regex = compile('skip-auth-route', entry, r.pattern);
    if (regex) routes.push({ method: r.method, negate: r.negate, regex });
  }
  for (const entry of opts.skipAuthRegex) {
    const regex = compile('skip-auth-regex', entry, entry);
    if (regex) routes.push({ method: '', negate: false, regex });
  }
  const apiRoutes: RegExp[] = [];
  for (const entry of opts.apiRoutes) {
    const regex = compile('api-route', entry, entry);
    if (regex) apiRoutes.push(regex);
  }

  const trusted = new BlockList();
  for (const entry of opts.trustedIps) {
    const slash = entry.indexOf('/');
    const ip = slash === -1 ? entry : entry.slice(0, slash);
    const family = isIP(ip);
    const bits = slash === -1 ? undefined : Number(entry.slice(slash + 1));
    if (family === 0 || (bits !== undefined && !(Number.isInteger(bits) && bits >= 0 && bits <= (family === 4 ? 32 : 128)))) {
      problems.push(['trusted-ip', `${JSON.stringify(entry)} is not an IP address or CIDR range`]);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(ip, type);
    else trusted.addSubnet(ip, bits, type);
  }
  const hasTrusted = opts.trustedIps.length > 0;
  const preflight = opts.skipAuthPreflight;

  const rules: AccessRules = {
    any: routes.length > 0 || hasTrusted || preflight,
    skips(r) {
      if (preflight && r.method === 'OPTIONS') return true;
      if (hasTrusted) {
        const family = isIP(r.clientIp);
        if (family !== 0 && trusted.check(r.clientIp, family === 6 ? 'ipv6' : 'ipv4')) return true;
      }
      if (routes.length === 0 || r.ambiguous || r.decoded.length > MAX_MATCHED_LENGTH) return false;
      for (const route of routes) {
        // Methods are case-sensitive tokens: `get` is not GET, and an upstream may treat it differently.
        if (route.method !== '' && route.method !== r.method) continue;
        if (route.regex.test(r.decoded) !== route.negate) return true;
      }
      return false;
    },
    isApi(r) {
      if (apiRoutes.length === 0) return false;
      const uri = r.query === '' ? r.decoded : `${r.decoded}?${r.query}`;
      if (uri.length > MAX_MATCHED_LENGTH) return false;
      for (const re of apiRoutes) if (re.test(uri)) return true;
      return false;
    },
  };
  return { rules, problems };
}
