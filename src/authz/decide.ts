// Authorization as a pure function: facts in, {allow, reasons} out. The reasons go to the auth log,
// never to the client.
import { compileEmailRules, domainMatchesFilter, emailAllowed, splitEmail, type EmailRules } from './email.js';

export interface Identity {
  email: string;
  groups: readonly string[];
}

export interface Policy {
  emailRules: EmailRules;
  allowedGroups: ReadonlySet<string>;
}

export interface Decision {
  allow: boolean;
  reasons: string[];
}

export function compilePolicy(opts: { emailDomains: string[]; allowedEmails?: Iterable<string>; allowedGroups: string[] }): Policy {
  return {
    emailRules: compileEmailRules(opts.emailDomains, opts.allowedEmails),
    allowedGroups: new Set(opts.allowedGroups),
  };
}

const ALLOW: Decision = Object.freeze({ allow: true, reasons: [] as string[] }) as Decision;

/** The global rules, checked at sign-in and on every request. */
export function decide(policy: Policy, who: Identity): Decision {
  const reasons: string[] = [];
  if (!emailAllowed(policy.emailRules, who.email)) {
    reasons.push(who.email ? 'email not allowed by --email-domain / --authenticated-emails-file' : 'session has no email');
  }
  if (policy.allowedGroups.size > 0 && !who.groups.some((g) => policy.allowedGroups.has(g))) {
    reasons.push('user is in none of --allowed-group');
  }
  return reasons.length === 0 ? ALLOW : { allow: false, reasons };
}

export interface RequestFilters {
  allowedGroups: string[];
  allowedEmailDomains: string[];
  allowedEmails: string[];
}

/**
 * The query-string filters oauth2-proxy reads on /oauth2/auth and proxied paths
 * (`allowed_groups`, `allowed_email_domains`, `allowed_emails`; comma lists, repeatable).
 * Returns undefined when the query carries none, so the common case costs one indexOf.
 */
export function parseRequestFilters(query: string, parse: (query: string) => URLSearchParams = (q) => new URLSearchParams(q)): RequestFilters | undefined {
  if (query === '' || query.indexOf('allowed_') === -1) return undefined;
  const params = parse(query);
  const list = (name: string) => params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const f = { allowedGroups: list('allowed_groups'), allowedEmailDomains: list('allowed_email_domains'), allowedEmails: list('allowed_emails') };
  return f.allowedGroups.length + f.allowedEmailDomains.length + f.allowedEmails.length === 0 ? undefined : f;
}

/** All present filters must pass. */
export function decideFilters(filters: RequestFilters, who: Identity): Decision {
  const reasons: string[] = [];
  if (filters.allowedGroups.length > 0 && !who.groups.some((g) => filters.allowedGroups.includes(g))) {
    reasons.push('user is in none of the allowed_groups of this request');
  }
  const email = who.email.trim().toLowerCase();
  if (filters.allowedEmailDomains.length > 0) {
    const parts = splitEmail(email);
    if (!parts || !filters.allowedEmailDomains.some((d) => domainMatchesFilter(parts.domain, d))) {
      reasons.push('email domain not in the allowed_email_domains of this request');
    }
  }
  if (filters.allowedEmails.length > 0 && !filters.allowedEmails.some((e) => e.toLowerCase() === email)) {
    reasons.push('email not in the allowed_emails of this request');
  }
  return reasons.length === 0 ? ALLOW : { allow: false, reasons };
}
