// What an `allow:` block asks of the signed-in user. Every listed kind must pass; within a kind any
// one value is enough. A failing check says why in words fit for the auth log (never the client).
import { splitEmail } from '../authz/email.js';
import { isRecord, stringList, unknownKey } from './shape.js';

export interface PolicyIdentity {
  readonly user: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** ID token claims, when the session has any; read only by roles and claims checks. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
}

export interface Requirement {
  readonly kind: string;
  /** undefined when met, otherwise why not. */
  check(who: PolicyIdentity): string | undefined;
}

const ALLOW_KEYS = ['authenticated', 'emails', 'domains', 'groups', 'roles', 'claims'];

const listText = (values: Iterable<string>) => `[${[...values].join(', ')}]`;

export function compileRequirements(raw: unknown): { requirements: Requirement[]; problems: Array<[key: string, message: string]> } {
  const problems: Array<[string, string]> = [];
  const requirements: Requirement[] = [];
  if (!isRecord(raw) || Object.keys(raw).length === 0) {
    return { requirements, problems: [['', `must be a mapping with at least one of ${ALLOW_KEYS.join(', ')}`]] };
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!ALLOW_KEYS.includes(key)) {
      problems.push(['', unknownKey(key, ALLOW_KEYS)]);
      continue;
    }
    if (key === 'authenticated') {
      // Any signed-in user: nothing to check beyond having an identity.
      if (value !== true) problems.push([key, 'must be true (leave it out, or use allowPublic: true, for no sign-in)']);
      continue;
    }
    if (key === 'claims') {
      const c = compileClaims(value);
      if (typeof c === 'string') problems.push([key, c]);
      else requirements.push(...c);
      continue;
    }
    const list = stringList(value);
    if (typeof list === 'string') {
      problems.push([key, list]);
      continue;
    }
    if (key === 'emails') requirements.push(emailsRequirement(list));
    else if (key === 'domains') {
      const bad = list.find((d) => !/^(\*?\.)?[a-z0-9.-]+$/i.test(d) || d.includes('@'));
      if (bad !== undefined) problems.push([key, `${JSON.stringify(bad)} is not a domain (example.com, or *.example.com for its subdomains)`]);
      else requirements.push(domainsRequirement(list));
    } else if (key === 'groups') requirements.push(groupsRequirement(list));
    else requirements.push(rolesRequirement(list));
  }
  return { requirements, problems };
}

function emailsRequirement(list: string[]): Requirement {
  const wanted = new Set(list.map((e) => e.toLowerCase()));
  return {
    kind: 'emails',
    check: (who) => (wanted.has(who.email.trim().toLowerCase()) ? undefined : `email is none of emails ${listText(wanted)}`),
  };
}

/** oauth2-proxy's domain forms: `example.com` exactly, `.example.com` / `*.example.com` subdomains only. */
function domainsRequirement(list: string[]): Requirement {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of list) {
    const d = raw.toLowerCase();
    if (d.startsWith('*.')) suffixes.push(d.slice(1));
    else if (d.startsWith('.')) suffixes.push(d);
    else exact.add(d);
  }
  return {
    kind: 'domains',
    check(who) {
      const parts = splitEmail(who.email.trim().toLowerCase());
      if (parts && (exact.has(parts.domain) || suffixes.some((s) => parts.domain.endsWith(s)))) return undefined;
      return `email domain is none of domains ${listText(list)}`;
    },
  };
}

function groupsRequirement(list: string[]): Requirement {
  const wanted = new Set(list);
  return {
    kind: 'groups',
    check: (who) => (who.groups.some((g) => wanted.has(g)) ? undefined : `user is in none of groups ${listText(wanted)}`),
  };
}

/**
 * A role shows as a `role:<r>` group (keycloak-oidc, and `role:<client>:<r>` for client roles) or
 * in a `roles` or `realm_access.roles` claim of the ID token.
 */
function rolesRequirement(list: string[]): Requirement {
  const wanted = new Set(list);
  const asGroups = new Set(list.map((r) => `role:${r}`));
  return {
    kind: 'roles',
    check(who) {
      if (who.groups.some((g) => asGroups.has(g))) return undefined;
      const claims = who.claims;
      if (claims) {
        const realm = claimAt(claims, 'realm_access');
        for (const source of [claims.roles, isRecord(realm) ? realm.roles : undefined]) {
          if (scalarsOf(source).some((r) => wanted.has(r))) return undefined;
        }
      }
      return `user has none of roles ${listText(wanted)}`;
    },
  };
}

/** `claims: { name: value | [values] }`: one requirement per claim, each needing one of its values. */
function compileClaims(raw: unknown): Requirement[] | string {
  if (!isRecord(raw) || Object.keys(raw).length === 0) return 'must be a mapping of claim name to a value or a list of values';
  const out: Requirement[] = [];
  for (const [name, v] of Object.entries(raw)) {
    const values = Array.isArray(v) ? v : [v];
    if (values.length === 0 || !values.every((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')) {
      return `${JSON.stringify(name)}: must be a string, number or boolean, or a non-empty list of them`;
    }
    const wanted = new Set(values.map(String));
    out.push({
      kind: 'claims',
      check(who) {
        const value = who.claims ? claimAt(who.claims, name) : undefined;
        if (value === undefined) return `claim ${name} is missing`;
        return scalarsOf(value).some((s) => wanted.has(s)) ? undefined : `claim ${name} is none of ${listText(wanted)}`;
      },
    });
  }
  return out;
}

/**
 * A claim by its exact name (names such as `https://example.com/tier` hold dots), else by a dotted
 * path into nested objects (`realm_access.roles`).
 */
export function claimAt(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** A scalar claim, or the scalars of a list claim, as strings; objects match nothing. */
function scalarsOf(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const x of list) if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out.push(String(x));
  return out;
}
