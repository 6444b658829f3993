// Which post-login / post-logout redirect targets the proxy will follow, with oauth2-proxy's rules
// to the letter, because operators' whitelists and their users' bookmarks were written against
// them and because each looser reading has been an open redirect in the past:
//
// - a relative target must start with one `/` and contain no slash–(whitespace|dot|dot-dot)–slash
//   sequence anywhere (`//`, `/\`, `/./`, `/../`, `/<TAB>/` …), query included;
// - an absolute target needs a literal `http://` or `https://` and must parse as Go's net/url
//   parses it, then its host and port must match a --whitelist-domain entry, compared
//   case-sensitively. The parser below is written for this: WHATWG `new URL()` repairs inputs
//   (backslashes, tabs, bad escapes, odd ports) that Go refuses, and a repaired URL is a different
//   URL from the one the browser will be sent.
//
// Absolute targets are handled as UTF-8 byte strings (one char per byte), as Go's strings are, so
// percent-escaped and raw non-ASCII host bytes compare the way they do in oauth2-proxy.

import { isIPv6 } from 'node:net';

// RE2's \s is [\t\n\f\r ] only (JavaScript's \s adds \v and Unicode spaces); \v is listed apart.
const INVALID_RELATIVE = /[/\\](?:[\t\n\v\f\r ]*|\.{1,2})[/\\]/;
const NON_ASCII = /[^\x00-\x7f]/;

function toByteString(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/** `:` followed by digits only, or empty: a port as Go's URL parser accepts it (`:` alone included). */
function isColonDigits(s: string): boolean {
  if (s === '') return true;
  if (s.charCodeAt(0) !== 0x3a) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Whitelist entry → host and port. The port must be digits or `*`; anything else after the last
 * colon stays part of the host. Brackets around the host are removed.
 */
export function splitHostPort(hostport: string): { host: string; port: string } {
  let host = hostport;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1) {
    const tail = host.slice(colon);
    if (tail === ':*' || isColonDigits(tail)) {
      port = tail.slice(1);
      host = host.slice(0, colon);
    }
  }
  if (host.length >= 2 && host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Every `%` starts a two-hex-digit escape (Go's check for path, userinfo and fragment). */
function validEscapes(s: string): boolean {
  for (let i = s.indexOf('%'); i !== -1; i = s.indexOf('%', i + 3)) {
    if (i + 2 >= s.length || hexVal(s.charCodeAt(i + 1)) < 0 || hexVal(s.charCodeAt(i + 2)) < 0) return false;
  }
  return true;
}

// ASCII bytes a host may hold unescaped: unreserved, sub-delims, and the extras Go tolerates.
const HOST_OK = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~!$&\'()*+,;=:[]<>"') {
  HOST_OK[c.charCodeAt(0)] = 1;
}

const USERINFO_OK = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._:~!$&\'()*+,;=%@') {
  USERINFO_OK[c.charCodeAt(0)] = 1;
}

function validUserinfo(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || USERINFO_OK[c] === 0) return false;
  }
  return validEscapes(s);
}

/**
 * Unescapes a host (or, with zone = true, an IPv6 zone) the way Go does: escapes only for non-ASCII
 * bytes or `%25`, zone escapes only for bytes a host could hold anyway (or space), and no ASCII byte
 * outside HOST_OK. undefined = Go would fail to parse.
 */
function unescapeHost(s: string, zone: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length) return undefined;
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      const v = hi * 16 + lo;
      const isPct25 = v === 0x25;
      if (!zone && hi < 8 && !isPct25) return undefined;
      if (zone && !isPct25 && v !== 0x20 && v < 0x80 && HOST_OK[v] === 0) return undefined;
      out += String.fromCharCode(v);
      i += 3;
    } else {
      if (c < 0x80 && HOST_OK[c] === 0) return undefined;
      out += s[i];
      i++;
    }
  }
  return out;
}

interface HostPort {
  hostname: string;
  port: string;
}

function parseHost(h: string): HostPort | undefined {
  const open = h.lastIndexOf('[');
  if (open > 0) return undefined;
  if (open === 0) {
    const close = h.lastIndexOf(']');
    if (close < 0) return undefined;
    const colonPort = h.slice(close + 1);
    if (!isColonDigits(colonPort)) return undefined;
    const inner = h.slice(1, close);
    const z = inner.indexOf('%25');
    let hostname: string | undefined;
    if (z >= 0) {
      const addr = unescapeHost(inner.slice(0, z), false);
      const zone = unescapeHost(inner.slice(z), true);
      hostname = addr === undefined || zone === undefined ? undefined : addr + zone;
    } else {
      hostname = unescapeHost(inner, false);
    }
    // Brackets hold an IPv6 address and nothing else (IPv4 included: Go refuses `[1.2.3.4]`).
    if (hostname === undefined || !isIPv6(hostname)) return undefined;
    return { hostname, port: colonPort.slice(1) };
  }
  // http(s) hosts get one colon at most, the port separator (Go ≥ 1.26).
  const colon = h.indexOf(':');
  const colonPort = colon === -1 ? '' : h.slice(colon);
  if (!isColonDigits(colonPort)) return undefined;
  const hostname = unescapeHost(colon === -1 ? h : h.slice(0, colon), false);
  if (hostname === undefined) return undefined;
  return { hostname, port: colonPort.slice(1) };
}

/**
 * Hostname and port of an absolute http(s) URL (byte string) as Go's url.Parse + Hostname() +
 * Port() give them, or undefined where url.Parse returns an error. `authorityStart` is the index
 * just past `scheme://`.
 */
function parseAbsolute(s: string, authorityStart: number): HostPort | undefined {
  // Go refuses control bytes before the fragment; they are refused in the fragment too, as no
  // legitimate redirect carries one and a browser would strip them into a different URL.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return undefined;
  }
  const hash = s.indexOf('#');
  if (hash !== -1 && !validEscapes(s.slice(hash + 1))) return undefined;
  const beforeFragment = hash === -1 ? s : s.slice(0, hash);
  // The query is kept raw by Go, unvalidated; it only ends the authority and path.
  const q = beforeFragment.indexOf('?');
  const rest = q === -1 ? beforeFragment : beforeFragment.slice(0, q);
  const slash = rest.indexOf('/', authorityStart);
  const authority = slash === -1 ? rest.slice(authorityStart) : rest.slice(authorityStart, slash);
  if (slash !== -1 && !validEscapes(rest.slice(slash))) return undefined;
  const at = authority.lastIndexOf('@');
  const hp = parseHost(at === -1 ? authority : authority.slice(at + 1));
  if (hp === undefined) return undefined;
  if (at !== -1 && !validUserinfo(authority.slice(0, at))) return undefined;
  return hp;
}

/**
 * Hostname and port (as UTF-8 byte strings) of an `http://` / `https://` URL the way oauth2-proxy
 * sees them, or undefined when Go's url.Parse would refuse it or the prefix is missing.
 */
export function parseHttpUrlHost(target: string): { hostname: string; port: string } | undefined {
  const start = target.startsWith('http://') ? 7 : target.startsWith('https://') ? 8 : -1;
  return start === -1 ? undefined : parseAbsolute(toByteString(target), start);
}

interface Rule {
  /** exact hostname (entry without a leading `.` or `*.`) */
  host: string;
  /** `.domain` for `.domain` and `*.domain` entries: any hostname ending with it */
  suffix: string | undefined;
  /** '' = URL must not name a port, '*' = any port, else this exact port string */
  port: string;
}

function compileRule(entry: string): Rule | undefined {
  const { host, port } = splitHostPort(entry);
  let exact = host;
  let suffix: string | undefined;
  if (host.startsWith('*.')) {
    exact = host.slice(2);
    suffix = host.slice(1);
  } else if (host.startsWith('.')) {
    exact = host.slice(1);
    suffix = host;
  }
  // An entry naming no domain (``, `.`, `*.`, `:8080`) would otherwise match an empty hostname.
  if (exact === '') return undefined;
  return { host: toByteString(exact), suffix: suffix === undefined ? undefined : toByteString(suffix), port };
}

function ruleMatches(r: Rule, hp: HostPort): boolean {
  if (hp.hostname !== r.host && (r.suffix === undefined || !hp.hostname.endsWith(r.suffix))) return false;
  return r.port === '*' || r.port === hp.port;
}

export type RedirectValidator = (target: string) => boolean;

/** Compiles --whitelist-domain entries once; the returned predicate allocates little per call. */
export function createRedirectValidator(whitelistDomains: readonly string[]): RedirectValidator {
  const rules: Rule[] = [];
  for (const d of whitelistDomains) {
    const r = compileRule(d);
    if (r !== undefined) rules.push(r);
  }
  return function isValidRedirect(target: string): boolean {
    if (typeof target !== 'string' || target === '') return false;
    if (target.charCodeAt(0) === 0x2f /* / */) {
      return target.charCodeAt(1) !== 0x2f && !INVALID_RELATIVE.test(target);
    }
    let authorityStart: number;
    if (target.startsWith('http://')) authorityStart = 7;
    else if (target.startsWith('https://')) authorityStart = 8;
    else return false;
    if (rules.length === 0) return false;
    const hp = parseAbsolute(toByteString(target), authorityStart);
    if (hp === undefined) return false;
    for (const r of rules) if (ruleMatches(r, hp)) return true;
    return false;
  };
}

/** What getRedirect needs to know about a request; forwarded fields only matter when trusted. */
export interface RedirectFacts {
  /** `rd` from the query string or form body */
  rd?: string;
  /** X-Auth-Request-Redirect */
  redirectHeader?: string;
  /** Host header */
  host: string;
  /** path + query as received */
  requestUri: string;
  proxyPrefix: string;
  /** --reverse-proxy is on and the peer is a trusted proxy */
  trustedForwarded: boolean;
  forwardedProto?: string;
  forwardedHost?: string;
  forwardedUri?: string;
  /** scheme of the connection the request arrived on */
  scheme: 'http' | 'https';
}

/**
 * The redirect target of a request: the first valid of `rd`, X-Auth-Request-Redirect, the URL the
 * client used in front of a trusted proxy (only when it names another host), and the request URI
 * (its own endpoints under the proxy prefix mean `/`); `/` when none is valid.
 */
export function getRedirect(facts: RedirectFacts, isValid: RedirectValidator): string {
  if (facts.rd !== undefined && facts.rd !== '' && isValid(facts.rd)) return facts.rd;
  const header = facts.redirectHeader;
  if (header !== undefined && header !== '' && isValid(header)) return header;

  const trusted = facts.trustedForwarded;
  let uri = trusted && facts.forwardedUri ? facts.forwardedUri : facts.requestUri;
  if (uri.startsWith(facts.proxyPrefix + '/')) uri = '/';

  const fwdHost = trusted ? facts.forwardedHost : undefined;
  if (fwdHost !== undefined && fwdHost !== '' && fwdHost !== facts.host) {
    const proto = (trusted && facts.forwardedProto) || facts.scheme;
    const url = proto + '://' + fwdHost + uri;
    if (isValid(url)) return url;
  }
  if (uri !== '' && isValid(uri)) return uri;
  return '/';
}
