// Builds every component once from the frozen configuration: session store, CSRF, provider,
// redirect rules, authorization policy, pages, error responder, identity headers, upstream pool and
// the sign-in flow. app.ts then only has to list the pipeline.
import type { Config } from './config/index.js';
import { alphaExtrasOf } from './config/alpha.js';
import { compilePolicy, type Policy } from './authz/decide.js';
import { readEmailsFile, watchEmailsFile } from './authz/emails-file.js';
import { createLoginFlow, type LoginFlow } from './endpoints/login-flow.js';
import { createRedirectValidator } from './endpoints/redirect.js';
import { createErrorResponder, type ErrorResponder } from './http/respond.js';
import { createTrust, type Trust } from './http/trust.js';
import type { SessionLoader } from './http/pipeline.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics.js';
import { makeSessionLoader } from './middleware/session.js';
import { buildAuthSources, type AuthSources } from './auth-sources.js';
import { createPages, type Pages } from './pages/index.js';
import { createProvider } from './providers/index.js';
import { createProviderSet, type ProviderSet } from './providers/registry.js';
import { providerFetch } from './providers/tls.js';
import { defaultProviderIdOf, extraProviderConfigs } from './config/extra-providers.js';
import type { SessionState } from './session/state.js';
import type { Provider } from './providers/provider.js';
import type { SameSite } from './session/cookies.js';
import { createCookieSessionStore, sessionCookieMatcher, type CookieOptions } from './session/cookie-store.js';
import { createRedisClient } from './session/redis-connect.js';
import { redisConnectionFlag, redisOptionsOf } from './session/redis-options.js';
import { createRedisSessionStore } from './session/redis-store.js';
import { createCsrf, type Csrf } from './session/csrf.js';
import type { SessionStore } from './session/store.js';
import { createAlphaIdentityHeaders } from './upstream/alpha-headers.js';
import { createIdentityHeaders, perSession, type IdentityHeaders } from './upstream/identity.js';
import { createUpstreamProxy, type UpstreamProxy } from './upstream/proxy.js';
import { createRequestSigner, type RequestSigner } from './upstream/signature.js';
import { createSessionTunnels, tunnelKeys, type SessionTunnels, type TunnelKeys } from './upstream/session-tunnels.js';
import { createIdentityAssertion, defaultAssertionIssuer, generatedAssertionKey, readAssertionKey, type IdentityAssertion } from './upstream/assertion.js';
import { queryParser, type QueryParser } from './http/query.js';
import { createRoutePolicy, type RoutePolicy } from './policy/gate.js';
import { routeTableOf } from './config/policy-file.js';

export interface ComponentOptions {
  log: Log;
  version: string;
  /** Overrides the provider, for tests of the pipeline alone. */
  provider?: Provider;
  /** When metrics are on: the store and the provider are wrapped to be measured. */
  metrics?: Metrics;
  /**
   * Host-based routing builds one set of components per host from Configs that differ only in
   * cookies and upstreams: the first build fills this in and the others reuse it, so every host
   * has the same provider instances (one discovery, one key cache) and one registry of open
   * websockets (a back-channel logout ends the user's tunnels on every host).
   */
  shared?: SharedParts;
}

export interface SharedParts {
  providers?: BuiltProviders;
  sessionTunnels?: SessionTunnels;
  /** Every host's session store: each keeps its own per-user index (named after its cookie). */
  stores?: SessionStore[];
}

/**
 * A store whose revoke (back-channel logout, --sign-out-all-sessions) reaches the sessions of every
 * host, since a user signed in on several hosts has a session, and an index entry, in each.
 */
function revokingEverywhere(store: SessionStore, shared: SharedParts): SessionStore {
  (shared.stores ??= []).push(store);
  if (!store.revoke) return store;
  const all = shared.stores;
  const fanOut: SessionStore = Object.create(store) as SessionStore;
  fanOut.revoke = async (target) => {
    let ended = 0;
    for (const s of all) if (s.revoke) ended += await s.revoke(target);
    return ended;
  };
  return fanOut;
}

interface BuiltProviders {
  bareDefault: Provider;
  provider: Provider;
  extras: { config: Config; bare: Provider }[];
  providers: ProviderSet;
}

export interface Components {
  trust: Trust;
  store: SessionStore;
  csrf: Csrf;
  isOwnCookie: (name: string) => boolean;
  /** The default provider. */
  provider: Provider;
  /** Every provider (--extra-provider, alpha providers), each found by id; a single one without them. */
  providers: ProviderSet;
  isValidRedirect: (target: string) => boolean;
  /** The authorization rules for a session: email rules are global, allowed groups are its provider's. */
  policy: (s?: SessionState) => Policy;
  pages: Pages;
  signInCsp: string | undefined;
  fail: ErrorResponder;
  identity: IdentityHeaders;
  upstream: UpstreamProxy;
  /** Open websocket tunnels by session, and the key a request's session cookie names them by. */
  sessionTunnels: SessionTunnels;
  tunnelKeys: TunnelKeys;
  /** --signature-key, when set. */
  signer: RequestSigner | undefined;
  /** --identity-assertion, when set: X-Auth-Request-Jwt and its JWKS. */
  assertion: IdentityAssertion | undefined;
  /** How the proxy reads its own query parameters (--allow-query-semicolons). */
  parseQuery: QueryParser;
  flow: LoginFlow;
  /** The session chain: bearer JWT → Basic (htpasswd) → stored session. */
  loadSession: SessionLoader;
  /** Stops watching files (the emails file). */
  stopWatching: () => void;
  /** Skip-auth and API route rules; the htpasswd form login when configured. */
  access: AuthSources['access'];
  passwordSignIn: AuthSources['passwordSignIn'];
  /** Start-up and --config-test check of the session store; rejects with a message naming the flag. */
  probeStore: () => Promise<void>;
  /** --policy-file's route table, when set. */
  routePolicy: RoutePolicy | undefined;
}

/** The cookie store, or Redis holding the sessions behind a ticket cookie (--session-store-type). */
function buildSessionStore(config: Config, cookie: CookieOptions, log: Log): { store: SessionStore; probe: () => Promise<void> } {
  if (config.sessionStoreType !== 'redis') return { store: createCookieSessionStore(cookie), probe: async () => {} };
  const redis = redisOptionsOf(config);
  const store = createRedisSessionStore({
    client: createRedisClient(redis),
    cookie,
    idleTimeoutMs: config.redisConnectionIdleTimeout * 1000,
    onConnectionEvent: (event, detail) =>
      event === 'lost' ? log.error('session store unreachable; requests with a session get 503 until it returns', { error: detail }) : log.info(detail),
  });
  const probe = async () => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.probe(),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer within 5s')), 5000); }),
      ]);
    } catch (err) {
      throw new Error(`--${redisConnectionFlag(redis)}: cannot use Redis: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  };
  return { store, probe };
}

/** Sign-in buttons: each provider's display name, with its id when two would read the same. */
export function buttonLabels(all: readonly Provider[]): Array<{ id: string; name: string }> {
  const count = new Map<string, number>();
  for (const p of all) count.set(p.displayName, (count.get(p.displayName) ?? 0) + 1);
  return all.map((p) => ({ id: p.id, name: count.get(p.displayName)! > 1 ? `${p.displayName} (${p.id})` : p.displayName }));
}

function buildProviders(config: Config, opts: ComponentOptions): BuiltProviders {
  const defaultId = defaultProviderIdOf(config);
  const bareDefault = opts.provider ?? createProvider(defaultId === undefined ? config : { ...config, providerId: defaultId });
  const measured = (p: Provider) => (opts.metrics ? opts.metrics.instrumentProvider(p) : p);
  const provider = measured(bareDefault);
  const extras = extraProviderConfigs(config).map((c) => ({ config: c, bare: createProvider(c) }));
  const providers = createProviderSet(
    { provider, backendLogoutUrl: config.backendLogoutUrl },
    extras.map((e) => ({ provider: measured(e.bare), backendLogoutUrl: e.config.backendLogoutUrl, fetch: providerFetch(e.config) })),
  );
  return { bareDefault, provider, extras, providers };
}

export function buildComponents(config: Config, opts: ComponentOptions): Components {
  const { log } = opts;
  const alpha = alphaExtrasOf(config);
  const sameSite = config.cookieSamesite.toLowerCase() as SameSite;
  const { store: bareStore, probe: probeStore } = buildSessionStore(config, {
    name: config.cookieName,
    secret: config.cookieSecret,
    domains: config.cookieDomains,
    path: config.cookiePath,
    expireMs: config.cookieExpire,
    secure: config.cookieSecure,
    httpOnly: config.cookieHttponly,
    sameSite,
  }, log);
  const measuredStore = opts.metrics ? opts.metrics.instrumentStore(bareStore) : bareStore;
  const store = opts.shared ? revokingEverywhere(measuredStore, opts.shared) : measuredStore;
  const csrf = createCsrf({
    cookieName: config.cookieName, secret: config.cookieSecret, domains: config.cookieDomains, path: config.cookiePath,
    secure: config.cookieSecure, httpOnly: config.cookieHttponly, sameSite,
    csrfSameSite: config.cookieCsrfSamesite.toLowerCase() as SameSite,
    csrfExpireMs: config.cookieCsrfExpire, perRequest: config.cookieCsrfPerRequest,
  });
  const built = opts.shared?.providers ?? buildProviders(config, opts);
  if (opts.shared) opts.shared.providers = built;
  const { bareDefault: bareProvider, provider, extras, providers } = built;
  const isValidRedirect = createRedirectValidator(config.whitelistDomains);
  const routeTable = routeTableOf(config);
  const parseQuery = queryParser(config.allowQuerySemicolons);

  // Some providers decide the allowed groups (keycloak-oidc roles, gitlab projects, google groups).
  // Allowed groups are each provider's own (--allowed-group is the default provider's); the email
  // rules, compiled once, are shared.
  const policyOf = (allowedEmails: Iterable<string>): Policy =>
    compilePolicy({ emailDomains: config.emailDomains, allowedEmails, allowedGroups: [...(bareProvider.allowedGroups ?? config.allowedGroups)] });
  const extraPolicies = (base: Policy): Map<string, Policy> => new Map(extras.map((e) =>
    [e.bare.id, { emailRules: base.emailRules, allowedGroups: new Set(e.bare.allowedGroups ?? e.config.allowedGroups) }]));
  let policyValue: Policy = policyOf(config.authenticatedEmailsFile ? readEmailsFile(config.authenticatedEmailsFile) : []);
  let policiesById = extraPolicies(policyValue);
  // An edited emails file replaces the policy in one assignment; the next request reads the new one.
  const emailsWatch = config.authenticatedEmailsFile
    ? watchEmailsFile(config.authenticatedEmailsFile, {
        onChange: (emails) => {
          policyValue = policyOf(emails);
          policiesById = extraPolicies(policyValue);
          log.info('authenticated emails file reloaded', { path: config.authenticatedEmailsFile, entries: emails.length });
        },
        onError: (err) => log.warn('authenticated emails file could not be read; keeping the previous list', { path: config.authenticatedEmailsFile, error: err.message }),
      })
    : undefined;

  const authSources = (stored: SessionLoader) => {
    const { loadSession, access, passwordSignIn } = buildAuthSources(config, stored, log);
    return { loadSession, access, passwordSignIn };
  };
  const pages = createPages({
    displayLoginForm: config.htpasswdFile !== '' && config.displayHtpasswdForm,
    proxyPrefix: config.proxyPrefix,
    providerName: provider.displayName,
    ...(providers.several ? { providers: buttonLabels(providers.all) } : {}),
    // oauth2-proxy shows no domain hint when an emails file decides who may sign in.
    emailDomains: config.authenticatedEmailsFile ? [] : config.emailDomains,
    customTemplatesDir: config.customTemplatesDir,
    banner: config.banner,
    footer: config.footer,
    customSignInLogo: config.customSignInLogo,
    version: opts.version,
    onRenderError: (err, template) => log.error('custom template failed to render; the built-in page was served', { template, error: err instanceof Error ? err.message : String(err) }),
  });
  const fail = createErrorResponder({
    renderErrorPage: (v) => pages.error(v),
    csp: pages.cspFor('error'),
    forceJsonErrors: config.forceJsonErrors,
    onServerError: (scope, err) =>
      log.error('request failed', { request_id: scope.id, code: err.code, error: err.cause instanceof Error ? err.cause.message : err.message }),
  });

  return {
    trust: createTrust(config),
    store,
    csrf,
    isOwnCookie: sessionCookieMatcher(config.cookieName),
    provider,
    providers,
    isValidRedirect,
    // Sessions of the default provider (and of no provider: htpasswd, bearer tokens) use its rules.
    policy: providers.several
      ? (s) => (s?.providerId === undefined ? policyValue : policiesById.get(s.providerId) ?? policyValue)
      : () => policyValue,
    pages,
    signInCsp: pages.cspFor('signIn'),
    fail,
    // An alpha configuration lists its headers itself; otherwise the legacy header flags decide.
    identity: perSession(alpha ? createAlphaIdentityHeaders(alpha) : createIdentityHeaders({
      passUserHeaders: config.passUserHeaders,
      passAccessToken: config.passAccessToken,
      passAuthorizationHeader: config.passAuthorizationHeader,
      setXAuthRequest: config.setXauthrequest,
      setAuthorizationHeader: config.setAuthorizationHeader,
      preferEmailToUser: config.preferEmailToUser,
      passBasicAuth: config.passBasicAuth,
      basicAuthPassword: config.basicAuthPassword,
      setBasicAuth: config.setBasicAuth,
    })),
    upstream: createUpstreamProxy({
      upstreams: alpha ? alpha.upstreams : config.upstreams,
      passHostHeader: config.passHostHeader,
      proxyWebSockets: config.proxyWebsockets,
      upstreamTimeoutMs: config.upstreamTimeout,
      flushIntervalMs: config.flushInterval,
      insecureSkipVerify: config.sslUpstreamInsecureSkipVerify,
      disableKeepAlives: config.disableKeepAlives,
    }),
    sessionTunnels: opts.shared ? (opts.shared.sessionTunnels ??= createSessionTunnels()) : createSessionTunnels(),
    tunnelKeys: tunnelKeys({ cookieName: config.cookieName, secret: config.cookieSecret, expireMs: config.cookieExpire, ticket: config.sessionStoreType === 'redis' }),
    signer: config.signatureKey === '' ? undefined : createRequestSigner(config.signatureKey),
    assertion: config.identityAssertion ? createIdentityAssertion({
      key: config.identityAssertionKeyFile === '' ? generatedAssertionKey() : readAssertionKey(config.identityAssertionKeyFile),
      // Validation has made sure one of the two is there.
      issuer: config.identityAssertionIssuer || defaultAssertionIssuer(config.redirectUrl)!,
      ...(config.identityAssertionAudience === '' ? {} : { audience: config.identityAssertionAudience }),
    }) : undefined,
    parseQuery,
    flow: createLoginFlow({
      proxyPrefix: config.proxyPrefix,
      redirectUrl: config.redirectUrl,
      cookieSecure: config.cookieSecure,
      skipNonce: config.insecureOidcSkipNonce,
      provider,
      providers,
      csrf,
      isValidRedirect,
      relativeRedirectUrl: config.relativeRedirectUrl,
      encodeState: config.encodeState,
      csrfPerRequestLimit: config.cookieCsrfPerRequest ? config.cookieCsrfPerRequestLimit : 0,
      parseQuery,
    }),
    ...authSources(makeSessionLoader({ store, provider, providers, cookieRefreshMs: config.cookieRefresh, log })),
    probeStore,
    routePolicy: routeTable && createRoutePolicy({ table: routeTable, reportOnly: config.policyReportOnly, log }),
    stopWatching: () => emailsWatch?.close(),
  };
}
