// Cookie header parsing and Set-Cookie serialisation. Parsing runs on every request, so it walks the
// header with indexOf instead of regexes or split(), and never decodes values: every value the proxy
// reads is its own base64url/`|` format, and percent-decoding would only open ways to make two
// spellings of one cookie.

export type SameSite = '' | 'lax' | 'strict' | 'none';

export interface CookieAttributes {
  domain?: string;
  path: string;
  /** undefined: browser-session cookie; 0 or negative: expire now (clearing). */
  maxAgeSeconds?: number;
  httpOnly: boolean;
  secure: boolean;
  sameSite: SameSite;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Parses a Cookie header into name → value. The first occurrence of a name wins (browsers send the
 * most specific path first, and a later duplicate is more likely planted by a sibling domain).
 * Pairs without `=` or with an empty name are skipped; one pair of surrounding double quotes is
 * removed from a value, as RFC 6265 allows quoting.
 */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (header === undefined || header === '') return out;
  const len = header.length;
  let pos = 0;
  while (pos < len) {
    let end = header.indexOf(';', pos);
    if (end === -1) end = len;
    const eq = header.indexOf('=', pos);
    if (eq !== -1 && eq < end) {
      let ns = pos;
      let ne = eq;
      while (ns < ne && isOws(header.charCodeAt(ns))) ns++;
      while (ne > ns && isOws(header.charCodeAt(ne - 1))) ne--;
      if (ne > ns) {
        const name = header.slice(ns, ne);
        if (!out.has(name)) {
          let vs = eq + 1;
          let ve = end;
          while (vs < ve && isOws(header.charCodeAt(vs))) vs++;
          while (ve > vs && isOws(header.charCodeAt(ve - 1))) ve--;
          if (ve - vs >= 2 && header.charCodeAt(vs) === 0x22 && header.charCodeAt(ve - 1) === 0x22) {
            vs++;
            ve--;
          }
          out.set(name, header.slice(vs, ve));
        }
      }
    }
    pos = end + 1;
  }
  return out;
}

const SAME_SITE: Record<SameSite, string> = { '': '', lax: 'Lax', strict: 'Strict', none: 'None' };

// Old browsers ignore Max-Age=0 but honour a past Expires; sending both clears the cookie everywhere.
const EXPIRED = 'Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0';

export function serializeCookie(name: string, value: string, attrs: CookieAttributes): string {
  let out = name + '=' + value;
  if (attrs.path !== '') out += '; Path=' + attrs.path;
  if (attrs.domain !== undefined && attrs.domain !== '') {
    // A leading dot is ignored by user agents (RFC 6265 §5.2.3); dropping it keeps the header
    // identical to what oauth2-proxy sends for the same configuration.
    out += '; Domain=' + (attrs.domain.charCodeAt(0) === 0x2e ? attrs.domain.slice(1) : attrs.domain);
  }
  const maxAge = attrs.maxAgeSeconds;
  if (maxAge !== undefined) {
    out += maxAge > 0 ? '; Max-Age=' + Math.floor(maxAge) : '; ' + EXPIRED;
  }
  if (attrs.httpOnly) out += '; HttpOnly';
  if (attrs.secure) out += '; Secure';
  if (attrs.sameSite !== '') out += '; SameSite=' + SAME_SITE[attrs.sameSite];
  return out;
}

/** Strips a `:port` suffix (and IPv6 brackets) so a Host header can be compared with domains. */
export function hostWithoutPort(host: string): string {
  if (host.charCodeAt(0) === 0x5b /* [ */) {
    const close = host.indexOf(']');
    return close === -1 ? host : host.slice(1, close);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * The cookie Domain for a request host: the longest configured domain the host ends with; when none
 * matches, the shortest configured domain (oauth2-proxy sorts the list longest first and falls back
 * to its last entry). Equal lengths keep configuration order. undefined = host-only cookie.
 */
export function pickCookieDomain(host: string, cookieDomains: readonly string[]): string | undefined {
  if (cookieDomains.length === 0) return undefined;
  const h = hostWithoutPort(host);
  let best: string | undefined;
  let shortest = cookieDomains[0];
  for (const d of cookieDomains) {
    if (d.length <= shortest.length) shortest = d;
    if ((best === undefined || d.length > best.length) && h.endsWith(d)) best = d;
  }
  const chosen = best ?? shortest;
  return chosen === '' ? undefined : chosen;
}
