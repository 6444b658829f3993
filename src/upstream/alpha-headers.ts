// Identity headers as an alpha configuration lists them (injectRequestHeaders /
// injectResponseHeaders): each header is built from session claims (with a prefix, or as Basic
// credentials) and fixed secret values, several values joined with ",". The same rules as the
// legacy headers apply: values with control characters are dropped, and client-sent copies of
// every injected request header, and of every identity header, are removed before injection.
import type { SessionState } from '../session/state.js';
import { headerValue, type HeaderPair, type IdentityHeaders } from './identity.js';

export type AlphaHeaderValueSpec =
  | { kind: 'claim'; claim: string; prefix: string; basicAuthPassword?: string }
  | { kind: 'secret'; value: string };

export interface AlphaHeaderSpec {
  name: string;
  preserveRequestValue: boolean;
  values: readonly AlphaHeaderValueSpec[];
}

const ALWAYS_STRIPPED = ['x-forwarded-user', 'x-forwarded-email', 'x-forwarded-groups', 'x-forwarded-preferred-username', 'x-forwarded-access-token', 'gap-auth'];

function claimValues(s: SessionState, claim: string): string[] {
  switch (claim) {
    case 'user': return s.user ? [s.user] : [];
    case 'email': return s.email ? [s.email] : [];
    case 'groups': return s.groups;
    case 'preferred_username': return s.preferredUsername ? [s.preferredUsername] : [];
    case 'access_token': return s.accessToken ? [s.accessToken] : [];
    case 'id_token': return s.idToken ? [s.idToken] : [];
    case 'refresh_token': return s.refreshToken ? [s.refreshToken] : [];
    case 'created_at': return s.createdAt ? [new Date(s.createdAt).toISOString()] : [];
    case 'expires_on': return s.expiresOn ? [new Date(s.expiresOn).toISOString()] : [];
    default: return [];
  }
}

type Build = (s: SessionState) => HeaderPair[];

function compile(headers: readonly AlphaHeaderSpec[]): Build {
  const compiled = headers.map((h) => {
    const parts = h.values.map((v): ((s: SessionState) => string[]) => {
      if (v.kind === 'secret') return () => [v.value];
      if (v.basicAuthPassword !== undefined) {
        const password = v.basicAuthPassword;
        return (s) => claimValues(s, v.claim).map((c) => 'Basic ' + Buffer.from(`${c}:${password}`, 'utf8').toString('base64'));
      }
      return v.prefix === '' ? (s) => claimValues(s, v.claim) : (s) => claimValues(s, v.claim).map((c) => v.prefix + c);
    });
    return { name: h.name, parts };
  });
  return (s) => {
    const out: HeaderPair[] = [];
    for (const h of compiled) {
      const values: string[] = [];
      for (const p of h.parts) for (const v of p(s)) if (v !== '') values.push(v);
      const joined = headerValue(values.join(','));
      if (joined !== undefined) out.push([h.name, joined]);
    }
    return out;
  };
}

// oauth2-proxy adds GAP-Auth to every authenticated response, whatever the alpha file says.
function withGapAuth(build: Build, headers: readonly AlphaHeaderSpec[]): Build {
  if (headers.some((h) => h.name.toLowerCase() === 'gap-auth')) return build;
  return (s) => {
    const out = build(s);
    const who = headerValue(s.email || s.user);
    if (who !== undefined) out.push(['GAP-Auth', who]);
    return out;
  };
}

export function createAlphaIdentityHeaders(spec: { requestHeaders: readonly AlphaHeaderSpec[]; responseHeaders: readonly AlphaHeaderSpec[] }): IdentityHeaders {
  const stripped = new Set(ALWAYS_STRIPPED);
  // A header the proxy injects is never taken from the client unless the configuration says so;
  // identity headers are removed whatever it says.
  for (const h of spec.requestHeaders) if (!h.preserveRequestValue) stripped.add(h.name.toLowerCase().replace(/_/g, '-'));
  return {
    request: compile(spec.requestHeaders),
    response: withGapAuth(compile(spec.responseHeaders), spec.responseHeaders),
    strips: (n) => stripped.has(n) || n.startsWith('x-auth-request-'),
  };
}
