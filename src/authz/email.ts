// oauth2-proxy's email rules: `*` allows any address, `example.com` exactly that domain, and
// `.example.com` / `*.example.com` its subdomains only. An address must have exactly one '@'
// (a multi-'@' address once slipped past a domain check).

export interface EmailRules {
  allowAll: boolean;
  exactDomains: Set<string>;
  subdomainSuffixes: string[];
  allowedEmails: ReadonlySet<string>;
}

export function compileEmailRules(emailDomains: string[], allowedEmails: Iterable<string> = []): EmailRules {
  const rules: EmailRules = { allowAll: false, exactDomains: new Set(), subdomainSuffixes: [], allowedEmails: new Set([...allowedEmails].map((e) => e.trim().toLowerCase())) };
  for (const raw of emailDomains) {
    const d = raw.trim().toLowerCase();
    if (d === '') continue;
    if (d === '*') rules.allowAll = true;
    else if (d.startsWith('*.')) rules.subdomainSuffixes.push(d.slice(1));
    else if (d.startsWith('.')) rules.subdomainSuffixes.push(d);
    else rules.exactDomains.add(d);
  }
  return rules;
}

export function splitEmail(email: string): { local: string; domain: string } | undefined {
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1) return undefined;
  return { local: email.slice(0, at), domain: email.slice(at + 1) };
}

export function emailAllowed(rules: EmailRules, rawEmail: string): boolean {
  const email = rawEmail.trim().toLowerCase();
  const parts = splitEmail(email);
  if (!parts) return false;
  if (rules.allowedEmails.has(email)) return true;
  if (rules.allowAll) return true;
  if (rules.exactDomains.has(parts.domain)) return true;
  for (const suffix of rules.subdomainSuffixes) if (parts.domain.endsWith(suffix)) return true;
  return false;
}

/** The per-request `allowed_email_domains` filter treats `.x` and `*.x` as x and its subdomains. */
export function domainMatchesFilter(domain: string, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  if (f === '*') return true;
  const base = f.startsWith('*.') ? f.slice(2) : f.startsWith('.') ? f.slice(1) : f;
  if (base !== f) return domain === base || domain.endsWith('.' + base);
  return domain === f;
}
