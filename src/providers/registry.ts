// The identity providers of one instance: the default one (the legacy provider options, or the first
// alpha `providers` entry) and any further ones, each found by its id. Sessions remember the id of
// the provider that issued them, so refresh and sign-out go back to the same one.
import type { SessionState } from '../session/state.js';
import type { Provider } from './provider.js';

/** Session kinds made by the proxy itself rather than by a provider; they never need one. */
const LOCAL_SESSIONS: ReadonlySet<string> = new Set(['htpasswd']);

export interface ProviderSet {
  readonly default: Provider;
  /** Every provider, the default first. */
  readonly all: readonly Provider[];
  /** More than one provider: the sign-in page offers a choice. */
  readonly several: boolean;
  get(id: string): Provider | undefined;
  /**
   * The provider that issued a session. A session without an id (older sessions, oauth2-proxy's)
   * belongs to the default provider; with a single provider every session does, as before there
   * were several. undefined: the session names a provider that is no longer configured.
   */
  of(s: Pick<SessionState, 'providerId'>): Provider | undefined;
  /** Whether a session with no configured provider may still be used (htpasswd sessions). */
  isLocal(s: Pick<SessionState, 'providerId'>): boolean;
  /** The provider's --backend-logout-url ('' = none). */
  backendLogoutUrl(p: Provider): string;
  /** The fetch carrying the provider's own trust options (CA files); undefined for the default one. */
  fetchOf(p: Provider): typeof fetch | undefined;
  /**
   * Every provider's start-up work (discovery), run once for the set even when several Apps share
   * it (one per host); a failure is not remembered, so a later call tries again.
   */
  init(): Promise<void>;
}

export interface ProviderEntry {
  provider: Provider;
  backendLogoutUrl?: string;
  fetch?: typeof fetch | undefined;
}

export function createProviderSet(def: ProviderEntry, extra: readonly ProviderEntry[] = []): ProviderSet {
  const byId = new Map<string, Provider>();
  const logoutUrls = new Map<Provider, string>();
  const fetches = new Map<Provider, typeof fetch>();
  for (const e of [def, ...extra]) {
    if (byId.has(e.provider.id)) throw new Error(`provider id ${JSON.stringify(e.provider.id)} is used twice`);
    byId.set(e.provider.id, e.provider);
    if (e.backendLogoutUrl) logoutUrls.set(e.provider, e.backendLogoutUrl);
    if (e.fetch) fetches.set(e.provider, e.fetch);
  }
  const all = [def.provider, ...extra.map((e) => e.provider)];
  const several = all.length > 1;
  const first = def.provider;
  let starting: Promise<void> | undefined;
  return {
    default: first,
    all,
    several,
    get: (id) => byId.get(id),
    of: several
      ? (s) => (s.providerId === undefined ? first : byId.get(s.providerId))
      : () => first,
    isLocal: (s) => s.providerId !== undefined && LOCAL_SESSIONS.has(s.providerId),
    backendLogoutUrl: (p) => logoutUrls.get(p) ?? '',
    fetchOf: (p) => fetches.get(p),
    init: () => (starting ??= Promise.all(all.map((p) => p.init())).then(
      () => undefined,
      (err: unknown) => { starting = undefined; throw err; },
    )),
  };
}
