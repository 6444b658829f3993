// Builds, once, what decides who a request is and whether it needs to be anyone: the session chain
// (bearer JWT → Basic against htpasswd → stored session, the first that yields a session wins, as
// in oauth2-proxy) and the access rules (skip-auth routes, trusted IPs, preflight, API routes).
// components.ts calls it; app.ts only sees the results.
import type { Config } from './config/index.js';
import type { SessionLoader } from './http/pipeline.js';
import { loadHtpasswd, type Htpasswd } from './htpasswd/verify.js';
import { createBearerVerifier, type IssuerSpec } from './jwt/bearer.js';
import { providerFetch } from './providers/tls.js';
import type { Log } from './log.js';
import { makeBasicAuthLoader, chainSessionLoaders, htpasswdSession } from './middleware/basic-auth.js';
import { makeBearerLoader } from './middleware/bearer.js';
import { compileAccessRules, type AccessRules } from './rules/access.js';
import type { SessionState } from './session/state.js';

export interface AuthSources {
  loadSession: SessionLoader;
  access: AccessRules;
  /** POST <prefix>/sign_in, when an htpasswd file is configured. */
  passwordSignIn?: (user: string, password: string, client: string) => Promise<SessionState | 'invalid' | 'rate_limited'>;
}

export function jwtIssuers(config: Config): IssuerSpec[] {
  const issuers: IssuerSpec[] = [];
  if (config.oidcIssuerUrl !== '') {
    issuers.push({ issuer: config.oidcIssuerUrl, audiences: [config.clientId], ...(config.oidcJwksUrl ? { jwksUrl: config.oidcJwksUrl } : {}) });
  }
  for (const entry of config.extraJwtIssuers) {
    const eq = entry.indexOf('=');
    issuers.push({ issuer: entry.slice(0, eq), audiences: [entry.slice(eq + 1)] });
  }
  return issuers;
}

export function buildAuthSources(config: Config, stored: SessionLoader, log: Log): AuthSources {
  const loaders: SessionLoader[] = [];
  if (config.skipJwtBearerTokens) {
    const verifier = createBearerVerifier({
      issuers: jwtIssuers(config),
      emailClaim: config.oidcEmailClaim,
      groupsClaim: config.oidcGroupsClaim,
      allowUnverifiedEmail: config.insecureOidcAllowUnverifiedEmail,
      // The issuers' keys are fetched with the same trust settings as every other call to the IdP.
      fetch: providerFetch(config),
    });
    loaders.push(makeBearerLoader({ verifier, loginFallback: config.bearerTokenLoginFallback, log }));
  }
  let htpasswd: Htpasswd | undefined;
  if (config.htpasswdFile !== '') {
    htpasswd = loadHtpasswd({
      path: config.htpasswdFile,
      onReload: (users) => log.info('htpasswd file reloaded', { users }),
      onReloadError: (problems) => log.error('htpasswd file changed but cannot be used; keeping the previous version', { problems }),
    });
    loaders.push(makeBasicAuthLoader({ htpasswd, groups: config.htpasswdUserGroups, log }));
  }
  loaders.push(stored);

  const { rules, problems } = compileAccessRules({
    skipAuthRoutes: config.skipAuthRoutes,
    skipAuthRegex: config.skipAuthRegex,
    apiRoutes: config.apiRoutes,
    skipAuthPreflight: config.skipAuthPreflight,
    trustedIps: config.trustedIps,
  });
  // validate() reports these with every other problem; reaching here with one is a programming error.
  if (problems.length > 0) throw new Error(problems.map(([flag, m]) => `--${flag}: ${m}`).join('\n'));

  const groups = config.htpasswdUserGroups;
  const h = htpasswd;
  return {
    loadSession: chainSessionLoaders(loaders),
    access: rules,
    ...(h
      ? {
          passwordSignIn: async (user: string, password: string, client: string) => {
            const r = await h.check(user, password, client);
            if (r.ok) return htpasswdSession(user, groups, Date.now());
            return r.reason;
          },
        }
      : {}),
  };
}
