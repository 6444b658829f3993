// The request target as the route rules see it, computed once per request. The target itself is
// forwarded byte for byte; what changes is what a skip-auth rule may trust.
//
// oauth2-proxy's worst bypasses came from a rule seeing one path while the upstream acted on
// another (`/public/..%2Fadmin`, `/admin#/public`, `/admin?x=/public`). Here:
//   - the query and fragment never take part in path matching;
//   - escapes of unreserved characters (letters, digits, `-._~`) are decoded, since every server
//     reads `%7E` as `~`, and then the rest, so rules match the path as the upstream reads it;
//   - a target whose meaning depends on who reads it is marked ambiguous, and no skip-auth rule
//     ever lets it through (it still reaches the upstream for signed-in users): dot segments and
//     repeated slashes (some servers resolve them, some do not), an encoded `/`, `\`, `%`, `#`, `?`
//     or NUL, a raw `\` or `;` (Tomcat's `..;/`), a fragment, a malformed escape or non-UTF-8 bytes.

export interface Target {
  /** The path as received (origin-form), as routed and forwarded. */
  path: string;
  /** Raw query without '?', '' when absent. */
  query: string;
  /** true when some hop could read the path differently: skip-auth rules must not apply. */
  ambiguous: boolean;
  /** The path with every escape decoded, for regex rules; meaningless when ambiguous. */
  decoded: string;
}

// Anything that sends us off the fast path.
const NEEDS_WORK = /[%\\;#\x00-\x20\x7f]|\/\/|\/\.\.?(?:\/|$)/;
const AMBIGUOUS_RAW = /[\\;#\x00-\x20\x7f]|\/\/|\/\.\.?(?:\/|$)|%(?:2f|5c|25|23|3f|00)/i;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

export function normaliseTarget(raw: string): Target {
  let target = raw;
  if (target.charCodeAt(0) !== 47 /* / */) {
    // Absolute-form is reduced to its path, as the router does; anything else matches nothing.
    const m = /^https?:\/\/[^/?#]*/i.exec(target);
    if (m === null) return { path: raw, query: '', ambiguous: true, decoded: raw };
    target = target.slice(m[0].length);
    if (target === '' || target.charCodeAt(0) === 63 /* ? */) target = '/' + target;
    if (target.charCodeAt(0) !== 47) return { path: raw, query: '', ambiguous: true, decoded: raw };
  }
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (!NEEDS_WORK.test(path)) return { path, query, ambiguous: false, decoded: path };
  if (AMBIGUOUS_RAW.test(path)) return { path, query, ambiguous: true, decoded: path };
  const unescaped = canonicalEscapes(path);
  if (unescaped === undefined) return { path, query, ambiguous: true, decoded: path };
  // Decoding may reveal dot segments (`%2e%2e`), which servers disagree about.
  if (/\/\.\.?(?:\/|$)/.test(unescaped)) return { path, query, ambiguous: true, decoded: path };
  try {
    return { path, query, ambiguous: false, decoded: decodeURIComponent(unescaped) };
  } catch {
    return { path, query, ambiguous: true, decoded: path };
  }
}

/** Decodes escapes of unreserved characters, upper-cases the rest; undefined on a malformed escape. */
function canonicalEscapes(path: string): string | undefined {
  if (!path.includes('%')) return path;
  let out = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c !== '%') {
      out += c;
      continue;
    }
    const hex = path.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    const ch = String.fromCharCode(parseInt(hex, 16));
    out += UNRESERVED.test(ch) ? ch : '%' + hex.toUpperCase();
    i += 2;
  }
  return out;
}
