// The route table's decision as a pure function: request and identity in, effect and reasons out.
// First matching route wins; a request no route matches is denied.
//
// Paths are matched in the canonical form the skip-auth rules use (http/target.ts). A path some hop
// could read differently (dot segments, encoded slashes, `;`, …) cannot be placed safely in the
// table: skipping a route it might belong to could hand it to a more permissive one further down.
// So when the first route whose host and method fit has a path condition, such a request is denied.
import { normaliseTarget } from '../http/target.js';
import { hostMatches, normaliseHost, type CompiledRule, type RouteTable } from './compile.js';
import type { PolicyIdentity } from './requirements.js';

export type Effect = 'allow' | 'deny' | 'public' | 'authenticate';

export interface PolicyDecision {
  effect: Effect;
  /** The id of the route that decided; absent when none matched. */
  rule?: string;
  reasons: string[];
}

export interface PolicyRequest {
  method: string;
  /** Host header value (a port and letter case do not matter). */
  host: string;
  /** The path as requested (raw, possibly percent-encoded); ignored when `canonical` is given. */
  path: string;
  /** The canonical path when the caller already computed it. */
  canonical?: { decoded: string; ambiguous: boolean };
}

// As for skip-auth regexes, a longer path is never matched against a regex; here it is denied,
// since passing over a route could hand it to a more permissive one.
const MAX_MATCHED_LENGTH = 4096;

const NO_MATCH: readonly string[] = Object.freeze(['no rule matched: denied by default']);

export function decide(table: RouteTable, request: PolicyRequest, who: PolicyIdentity | undefined): PolicyDecision {
  const host = normaliseHost(request.host);
  const { decoded, ambiguous } = request.canonical ?? normaliseTarget(request.path || '/');
  const exact = table.byHost.get(host);
  const candidates = exact ?? table.otherHosts;
  for (const rule of candidates) {
    if (exact === undefined && !hostMatches(rule, host)) continue;
    if (rule.methods !== undefined && !rule.methods.has(request.method)) continue;
    if (rule.prefix !== undefined || rule.regex !== undefined) {
      if (ambiguous) return refuse(rule, 'the path is ambiguous (dot segments, repeated or encoded slashes, backslash, ;), so it cannot be matched safely');
      if (rule.regex !== undefined && decoded.length > MAX_MATCHED_LENGTH) return refuse(rule, `the path is longer than ${MAX_MATCHED_LENGTH} characters, too long to match a regex on`);
      if (!pathMatches(rule, decoded)) continue;
    }
    return apply(rule, who);
  }
  return { effect: 'deny', reasons: [...NO_MATCH] };
}

function pathMatches(rule: CompiledRule, path: string): boolean {
  if (rule.prefix !== undefined) {
    if (path.startsWith(rule.prefix)) return true;
    // `/admin/` also covers `/admin`, which upstreams usually serve (or redirect) as the same place.
    return rule.prefix.length > 1 && rule.prefix.endsWith('/') && path === rule.prefix.slice(0, -1);
  }
  return rule.regex!.test(path);
}

function refuse(rule: CompiledRule, why: string): PolicyDecision {
  return { effect: 'deny', rule: rule.id, reasons: [`at ${rule.label}: ${why}`] };
}

function apply(rule: CompiledRule, who: PolicyIdentity | undefined): PolicyDecision {
  const matched = `matched ${rule.label}`;
  if (rule.kind === 'public') return { effect: 'public', rule: rule.id, reasons: [`${matched}: public`] };
  if (rule.kind === 'deny') return { effect: 'deny', rule: rule.id, reasons: [`${matched}: denied by the rule`] };
  if (who === undefined) return { effect: 'authenticate', rule: rule.id, reasons: [`${matched}: sign-in required`] };
  const reasons: string[] = [];
  for (const r of rule.requirements) {
    const why = r.check(who);
    if (why !== undefined) reasons.push(`${matched}: ${why}`);
  }
  if (reasons.length > 0) return { effect: 'deny', rule: rule.id, reasons };
  return { effect: 'allow', rule: rule.id, reasons: [`${matched}: allowed`] };
}
