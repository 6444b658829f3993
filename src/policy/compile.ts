// The route table of --policy-file, checked and compiled once: every problem is collected (named by
// its place in the file, `routes[2].pathRegex`), hosts are indexed so a request looks at only the
// routes that can apply to it, and regexes go through the same screening as the skip-auth rules.
import { compileRouteRegex } from '../rules/regex.js';
import { isRecord, stringList, unknownKey } from './shape.js';
import { compileRequirements, type Requirement } from './requirements.js';

export type RuleKind = 'public' | 'deny' | 'allow';

export interface CompiledRule {
  /** Position in the file, for messages: `routes[1]`. */
  readonly where: string;
  /** The id given, or `routes[<i>]`. */
  readonly id: string;
  /** `routes[1] (admin)` or `routes[1]`: how reasons name the rule. */
  readonly label: string;
  /** Exact host names; undefined with `wildcards` empty means any host. */
  readonly hosts: ReadonlySet<string> | undefined;
  /** `.example.com` for `*.example.com`. */
  readonly wildcards: readonly string[];
  readonly prefix: string | undefined;
  readonly regex: RegExp | undefined;
  readonly methods: ReadonlySet<string> | undefined;
  readonly kind: RuleKind;
  readonly requirements: readonly Requirement[];
}

export interface RouteTable {
  readonly rules: readonly CompiledRule[];
  /** For each host some rule names exactly: the rules that can apply to it, in file order. */
  readonly byHost: ReadonlyMap<string, readonly CompiledRule[]>;
  /** For any other host: the rules without a host or with a wildcard, in file order. */
  readonly otherHosts: readonly CompiledRule[];
}

export type CompileResult = { ok: true; table: RouteTable } | { ok: false; problems: string[] };

const ROUTE_KEYS = ['id', 'host', 'path', 'pathRegex', 'methods', 'allowPublic', 'deny', 'allow'];
/** The snake_case spellings people carry over from TOML options are accepted too. */
const ROUTE_KEY_ALIASES: Readonly<Record<string, string>> = { allow_public: 'allowPublic', path_regex: 'pathRegex' };
const HOST_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const METHOD = /^[A-Z]+$/;

/** Lower case, without a port or a trailing dot: the form hosts are compared in. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  if (colon !== -1) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

export function compileTable(doc: unknown): CompileResult {
  const problems: string[] = [];
  if (!isRecord(doc)) return { ok: false, problems: ['the top level must be a mapping with a routes list'] };
  for (const key of Object.keys(doc)) if (key !== 'routes') problems.push(unknownKey(key, ['routes']));
  const routes = doc.routes;
  if (!Array.isArray(routes) || routes.length === 0) {
    problems.push('routes: must be a non-empty list (an empty table would deny every request)');
    return { ok: false, problems };
  }
  const rules: CompiledRule[] = [];
  const ids = new Map<string, string>();
  routes.forEach((raw, i) => {
    const rule = compileRoute(raw, `routes[${i}]`, problems);
    if (!rule) return;
    const seen = ids.get(rule.id);
    if (seen !== undefined) problems.push(`${rule.where}.id: ${JSON.stringify(rule.id)} is already the id of ${seen}`);
    ids.set(rule.id, rule.where);
    rules.push(rule);
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, table: indexTable(rules) };
}

function indexTable(rules: CompiledRule[]): RouteTable {
  const byHost = new Map<string, CompiledRule[]>();
  for (const r of rules) for (const h of r.hosts ?? []) byHost.set(h, []);
  for (const [host, list] of byHost) for (const r of rules) if (hostMatches(r, host)) list.push(r);
  const otherHosts = rules.filter((r) => r.hosts === undefined || r.wildcards.length > 0);
  return { rules, byHost, otherHosts };
}

export function hostMatches(r: CompiledRule, host: string): boolean {
  if (r.hosts === undefined && r.wildcards.length === 0) return true;
  if (r.hosts?.has(host)) return true;
  for (const suffix of r.wildcards) if (host.length > suffix.length && host.endsWith(suffix)) return true;
  return false;
}

function compileRoute(given: unknown, where: string, problems: string[]): CompiledRule | undefined {
  const at = (key: string, message: string) => problems.push(`${where}.${key}: ${message}`);
  if (!isRecord(given)) {
    problems.push(`${where}: must be a mapping`);
    return undefined;
  }
  const before = problems.length;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    const name = ROUTE_KEY_ALIASES[key] ?? key;
    if (name in raw) at(name, 'given twice, in camelCase and in snake_case; keep one');
    raw[name] = value;
  }
  for (const key of Object.keys(raw)) if (!ROUTE_KEYS.includes(key)) problems.push(`${where}: ${unknownKey(key, ROUTE_KEYS)}`);

  let id = where;
  if (raw.id !== undefined) {
    if (typeof raw.id !== 'string' || raw.id.trim() === '') at('id', 'must be a non-empty string');
    else id = raw.id.trim();
  }

  let hosts: Set<string> | undefined;
  const wildcards: string[] = [];
  if (raw.host !== undefined) {
    const list = stringList(raw.host);
    if (typeof list === 'string') at('host', list);
    else {
      for (const entry of list) {
        const h = entry.toLowerCase().replace(/\.$/, '');
        const wild = h.startsWith('*.');
        const name = wild ? h.slice(2) : h;
        if (!HOST_NAME.test(name)) {
          at('host', `${JSON.stringify(entry)} is not a host name (a name without port, or *.<domain> for its subdomains)`);
          continue;
        }
        if (wild) wildcards.push('.' + name);
        else (hosts ??= new Set()).add(name);
      }
    }
  }

  let prefix: string | undefined;
  let regex: RegExp | undefined;
  if (raw.path !== undefined && raw.pathRegex !== undefined) at('pathRegex', 'give either path or pathRegex, not both');
  else if (raw.path !== undefined) {
    const p = raw.path;
    if (typeof p !== 'string' || !p.startsWith('/')) at('path', 'must be a path prefix starting with /');
    else if (/[?#%\\]/.test(p) || /\/\/|\/\.\.?(?:\/|$)/.test(p)) {
      // Requests are matched on their decoded, canonical path: such a prefix could never match.
      at('path', `${JSON.stringify(p)} must be written decoded, without query, fragment, backslash, dot segments or repeated slashes`);
    } else prefix = p;
  } else if (raw.pathRegex !== undefined) {
    if (typeof raw.pathRegex !== 'string' || raw.pathRegex === '') at('pathRegex', 'must be a non-empty regular expression');
    else {
      const c = compileRouteRegex(raw.pathRegex);
      if (c.ok) regex = c.regex;
      else at('pathRegex', `${JSON.stringify(raw.pathRegex)}: ${c.problem}`);
    }
  }

  let methods: Set<string> | undefined;
  if (raw.methods !== undefined) {
    const list = stringList(raw.methods);
    if (typeof list === 'string') at('methods', list);
    else {
      methods = new Set();
      for (const m of list) {
        // Methods are case-sensitive on the wire; the file may spell them in any case.
        if (!METHOD.test(m.toUpperCase())) at('methods', `${JSON.stringify(m)} is not an HTTP method`);
        else methods.add(m.toUpperCase());
      }
    }
  }

  for (const flag of ['allowPublic', 'deny'] as const) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') at(flag, 'must be true or false');
  }
  const effects = [raw.allowPublic === true && 'allowPublic', raw.deny === true && 'deny', raw.allow !== undefined && 'allow'].filter(Boolean);
  let kind: RuleKind = 'deny';
  let requirements: Requirement[] = [];
  if (effects.length !== 1) {
    problems.push(`${where}: ${effects.length === 0 ? 'needs one of allowPublic: true, deny: true or allow: {…}' : `give only one of ${effects.join(', ')}`}`);
  } else if (raw.allowPublic === true) kind = 'public';
  else if (raw.allow !== undefined) {
    kind = 'allow';
    const c = compileRequirements(raw.allow);
    for (const [key, message] of c.problems) problems.push(`${where}.allow${key === '' ? '' : '.' + key}: ${message}`);
    requirements = c.requirements;
  }

  if (problems.length > before) return undefined;
  return {
    where, id, label: id === where ? where : `${where} (${id})`, hosts, wildcards, prefix, regex, methods, kind, requirements,
  };
}
