// google (oauth2-proxy's default provider): OAuth2 whose token response carries an ID token, which
// is verified here (signature against Google's keys or --oidc-jwks-url, issuer, audience, expiry)
// before its `email` (which must be verified) and `sub` are used. With a service account, Workspace
// groups are read from the Admin SDK: --google-group lists the groups that let users in. Sessions
// refresh with the refresh token (login URL asks for access_type=offline).

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { jwksOptions } from './tls.js';

import type { ProviderConfig } from './config.js';
import { createGoogleDirectory, type GoogleDirectory } from './google-admin.js';
import { OAuth2Provider, orDefault, type Identity, type OAuth2Options, type TokenSet } from './oauth2.js';
import { ProviderError } from './provider.js';
import type { SessionState } from '../session/state.js';

const GOOGLE_JWKS = 'https://www.googleapis.com/oauth2/v3/certs';
const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

export class GoogleProvider extends OAuth2Provider {
  override readonly supportsRefresh = true;
  readonly #jwksUrl: string;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #directory: GoogleDirectory | undefined;
  readonly #groups: readonly string[];

  constructor(opts: OAuth2Options, jwksUrl: string, directory: GoogleDirectory | undefined, groups: readonly string[]) {
    super(opts);
    this.#jwksUrl = jwksUrl;
    this.#jwks = createRemoteJWKSet(new URL(jwksUrl), jwksOptions(opts.timeoutMs, opts.fetch));
    this.#directory = directory;
    this.#groups = groups;
  }

  protected override endpoints(): Array<[string, string | undefined]> {
    return [['JWKS URL', this.#jwksUrl]];
  }

  override async init(): Promise<void> {
    await super.init();
    await this.#directory?.init();
  }

  protected async identify(tokens: TokenSet, previous: SessionState | undefined): Promise<Identity> {
    let who: Identity;
    if (tokens.idToken) {
      let claims;
      try {
        ({ payload: claims } = await jwtVerify(tokens.idToken, this.#jwks, { issuer: GOOGLE_ISSUERS, audience: this.opts.clientId }));
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        throw new ProviderError('id_token_invalid', `the Google ID token is not valid${typeof code === 'string' ? ` (${code})` : ''}`, { fatal: false });
      }
      if (previous && claims.sub !== previous.user) throw new ProviderError('id_token_invalid', 'the refreshed ID token is for a different subject', { fatal: true });
      const email = typeof claims.email === 'string' ? claims.email : '';
      if (!email) throw new ProviderError('missing_email', 'the Google ID token carries no email');
      if (claims.email_verified !== true) throw new ProviderError('email_unverified', `the email address of ${claims.sub ?? 'the user'} is not verified by Google`);
      who = { user: claims.sub ?? '', email, groups: [] };
    } else if (previous) {
      who = { user: previous.user, email: previous.email, groups: [] };
    } else {
      throw new ProviderError('id_token_invalid', 'the Google token response carries no ID token', { fatal: false });
    }
    if (this.#directory) {
      who.groups = this.#groups.length > 0 ? await this.#directory.memberOf(who.email, this.#groups) : await this.#directory.allGroups(who.email);
    } else if (previous) {
      who.groups = previous.groups;
    }
    return who;
  }
}

export function createGoogleProvider(c: ProviderConfig, base: Omit<OAuth2Options, 'kind' | 'displayName' | 'loginUrl' | 'redeemUrl' | 'scope'>): GoogleProvider {
  const groups = (c.googleGroups ?? []).map((g) => g.trim()).filter(Boolean);
  const directory = c.googleServiceAccountJson
    ? createGoogleDirectory({
        serviceAccountFile: c.googleServiceAccountJson,
        adminEmail: c.googleAdminEmail ?? '',
        ...(c.apiBaseUrls?.googleAdmin ? { adminApi: c.apiBaseUrls.googleAdmin } : {}),
        timeoutMs: base.timeoutMs,
        fetch: base.fetch,
      })
    : undefined;
  return new GoogleProvider(
    {
      ...base,
      kind: 'google',
      displayName: orDefault(c.providerDisplayName, 'Google'),
      loginUrl: orDefault(c.loginUrl, 'https://accounts.google.com/o/oauth2/auth?access_type=offline'),
      redeemUrl: orDefault(c.redeemUrl, 'https://www.googleapis.com/oauth2/v3/token'),
      scope: orDefault(c.scope, 'profile email'),
      // With groups from the directory, --google-group decides who gets in, as in oauth2-proxy.
      ...(directory && groups.length > 0 ? { allowedGroups: groups } : {}),
    },
    orDefault(c.oidcJwksUrl, GOOGLE_JWKS),
    directory,
    groups,
  );
}
