// Host patterns for host-based routing (an oauth2-sidecar extension): an exact host name (with an
// optional port) or `*.suffix`, and the lookup that picks an entry for a request's Host. Patterns
// are normalised once here so that the per-request lookup is a couple of Map reads.

import { isIP } from 'node:net';

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A normalised pattern: `name`, `name:port` or `*.suffix` (lower case, no trailing dot). */
export type HostPattern = string;

function hostnameProblem(name: string): string | undefined {
  if (name.startsWith('[') && name.endsWith(']')) return isIP(name.slice(1, -1)) === 6 ? undefined : 'is not a valid IPv6 address';
  if (name.length > 253) return 'is longer than 253 characters';
  if (name.split('.').every((l) => LABEL.test(l))) return undefined;
  return 'is not a valid host name (letters, digits, - and _ in dot-separated labels)';
}

/** The normalised pattern, or why `raw` is not one. */
export function parseHostPattern(raw: string): { pattern: HostPattern } | { problem: string } {
  const given = raw.trim().toLowerCase();
  const quoted = JSON.stringify(raw);
  if (given === '') return { problem: 'a host must not be empty' };
  if (given.includes('/') || given.includes('@')) return { problem: `${quoted} must be a host name, not a URL` };
  if (given.startsWith('*.')) {
    const suffix = given.slice(2).replace(/\.$/, '');
    if (suffix.includes(':')) return { problem: `${quoted}: a wildcard host matches every port; remove the port` };
    if (suffix.includes('*')) return { problem: `${quoted}: only one leading "*." is allowed` };
    const why = suffix === '' ? 'has no suffix' : hostnameProblem(suffix);
    return why ? { problem: `${quoted} ${why}` } : { pattern: `*.${suffix}` };
  }
  if (given.includes('*')) return { problem: `${quoted}: "*" is only allowed as a leading "*." (as *.apps.example.com); a plain URL already serves every other host` };
  const m = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(given);
  if (m === null) return { problem: `${quoted} is not host or host:port (IPv6 hosts in brackets)` };
  const name = (m[1] as string).replace(/\.$/, '');
  const why = name === '' ? 'has no host name' : hostnameProblem(name);
  if (why) return { problem: `${quoted} ${why}` };
  if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return { problem: `${quoted} has an invalid port` };
  return { pattern: m[2] === undefined ? name : `${name}:${Number(m[2])}` };
}

/**
 * An --upstream value: `<host>=<url>` binds the upstream to a host; anything starting with a scheme
 * (`http://`, `static://`, `file://`, …) is a plain upstream, exactly as before, even when it holds
 * an `=` later on (a query, a fragment).
 */
export function splitHostUpstream(value: string): { host: HostPattern | undefined; uri: string } | { problem: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return { host: undefined, uri: value };
  const eq = value.indexOf('=');
  if (eq === -1) return { host: undefined, uri: value };
  const uri = value.slice(eq + 1);
  // Only the host is quoted: the URL may carry credentials.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    return { problem: `${JSON.stringify(value.slice(0, eq) + '=…')}: a host-bound upstream is <host>=<url>, as app.example.com=http://127.0.0.1:8080/` };
  }
  const host = parseHostPattern(value.slice(0, eq));
  if ('problem' in host) return { problem: `host-bound upstream: ${host.problem}` };
  return { host: host.pattern, uri };
}

export interface HostMatcher<T> {
  /** The entry for a Host header value (case-insensitive), else the fallback. */
  pick(host: string): T;
}

/**
 * Exact names first (`name:port` before `name`), then the longest `*.suffix`, else `fallback`.
 * Wildcards are tried by walking the labels from the left, so the longest suffix is met first and
 * the cost grows with the number of labels, not the number of entries.
 */
export function createHostMatcher<T>(entries: ReadonlyArray<readonly [HostPattern, T]>, fallback: T): HostMatcher<T> {
  const exact = new Map<string, T>();
  const wildcard = new Map<string, T>();
  for (const [p, v] of entries) {
    if (p.startsWith('*.')) wildcard.set(p.slice(2), v);
    else exact.set(p, v);
  }
  return {
    pick(raw) {
      let host = raw.toLowerCase();
      const hit = exact.get(host);
      if (hit !== undefined) return hit;
      // The port: after an IPv6 literal's bracket, or after the last colon of a name.
      const colon = host.lastIndexOf(':');
      if (colon !== -1 && colon > host.lastIndexOf(']')) {
        host = host.slice(0, colon);
        const withoutPort = exact.get(host);
        if (withoutPort !== undefined) return withoutPort;
      }
      if (host.endsWith('.')) {
        host = host.slice(0, -1);
        const named = exact.get(host);
        if (named !== undefined) return named;
      }
      if (wildcard.size === 0) return fallback;
      for (let dot = host.indexOf('.'); dot !== -1; dot = host.indexOf('.', dot + 1)) {
        const w = wildcard.get(host.slice(dot + 1));
        if (w !== undefined) return w;
      }
      return fallback;
    },
  };
}
