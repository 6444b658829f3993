import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProxyError } from '../../src/errors.js';
import {
  createOidcProvider,
  createProvider,
  isLoopbackHost,
  ProviderError,
  type OidcProviderOptions,
  type Provider,
} from '../../src/providers/index.js';
import { startTestIdp, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type DevIdp, type DevUser } from '../support/idp.js';
import {
  closedPort,
  jwtPayload,
  listen,
  loginAt,
  redeemRequest,
  rewritingTokenEndpoint,
  startCallbackServer,
  type CallbackServer,
} from './helpers.js';

const USERS: Record<string, DevUser> = {
  alice: {
    email: 'alice@example.com',
    email_verified: true,
    name: 'Alice Anderson',
    preferred_username: 'alice.a',
    groups: ['admins', 'developers'],
  },
  carol: { email: 'carol@example.com', email_verified: false, groups: ['guests'] },
  dave: { mail: 'dave@corp.example', roles: ['ops', 'sre'], team: 'platform' },
  erin: {
    email: 'erin@example.com',
    email_verified: true,
    groups: Array.from({ length: 300 }, (_, i) => `group-${String(i).padStart(3, '0')}-with-a-longish-name`),
  },
  frank: { name: 'Frank No-Mail', groups: ['developers'] },
  // Changed by a test between sign-in and refresh.
  gina: { email: 'gina@example.com', email_verified: true, groups: ['interns'] },
};

function options(idp: DevIdp, extra: Partial<OidcProviderOptions> = {}): OidcProviderOptions {
  return {
    oidcIssuerUrl: idp.issuer,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    allowedGroups: [],
    ...extra,
  };
}

async function ready(opts: OidcProviderOptions): Promise<Provider> {
  const p = createOidcProvider(opts);
  await p.init();
  return p;
}

async function rejectsWith(promise: Promise<unknown>, code: string, check: (e: ProviderError) => void = () => {}) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ProviderError, `expected a ProviderError, got ${String(err)}`);
    assert.equal(err.code, code, `unexpected code; message: ${err.message}`);
    check(err);
    return true;
  });
}

function assertNoSecrets(message: string, secrets: Array<string | undefined>) {
  for (const s of secrets) if (s) assert.ok(!message.includes(s), `message leaks a secret: ${message}`);
}

describe('OIDC provider against the dev IdP', () => {
  let idp: DevIdp;
  let cb: CallbackServer;
  let provider: Provider;

  before(async () => {
    cb = await startCallbackServer();
    idp = await startTestIdp({ users: USERS, redirectUris: [cb.redirectUri] });
    provider = await ready(options(idp));
  });
  after(async () => {
    await idp.close();
    await cb.close();
  });

  it('discovers the issuer and prefers S256 PKCE because the IdP advertises it', () => {
    assert.equal(provider.displayName, 'OpenID Connect');
    assert.equal(provider.id, 'oidc=proxy');
    assert.equal(provider.supportsRefresh, true);
    assert.equal(provider.pkceMethod(), 'S256');
  });

  it('builds the authorization URL with the default scope, nonce and approval_prompt=force', () => {
    const url = provider.authorizationUrl({
      redirectUri: cb.redirectUri,
      state: 'state-1',
      nonce: 'nonce-1',
      codeChallenge: 'challenge-1',
      codeChallengeMethod: 'S256',
    });
    assert.equal(url.origin + url.pathname, `${idp.issuer}/auth`);
    const q = url.searchParams;
    assert.equal(q.get('client_id'), 'proxy');
    assert.equal(q.get('redirect_uri'), cb.redirectUri);
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('scope'), 'openid email profile');
    assert.equal(q.get('state'), 'state-1');
    assert.equal(q.get('nonce'), 'nonce-1');
    assert.equal(q.get('code_challenge'), 'challenge-1');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('approval_prompt'), 'force');
    assert.equal(q.has('prompt'), false);
  });

  it('adds the groups scope only when allowed groups are set and no scope is configured', async () => {
    const withGroups = await ready(options(idp, { allowedGroups: ['admins'] }));
    const r = { redirectUri: cb.redirectUri, state: 's', nonce: 'n' };
    assert.equal(withGroups.authorizationUrl(r).searchParams.get('scope'), 'openid email profile groups');
    const explicit = await ready(options(idp, { allowedGroups: ['admins'], scope: 'openid email' }));
    assert.equal(explicit.authorizationUrl(r).searchParams.get('scope'), 'openid email');
  });

  it('sends prompt instead of approval_prompt when prompt is set, and neither when both are empty', async () => {
    const r = { redirectUri: cb.redirectUri, state: 's', nonce: 'n' };
    const withPrompt = await ready(options(idp, { prompt: 'login', approvalPrompt: 'force' }));
    const q1 = withPrompt.authorizationUrl(r).searchParams;
    assert.equal(q1.get('prompt'), 'login');
    assert.equal(q1.has('approval_prompt'), false);
    const custom = await ready(options(idp, { approvalPrompt: 'auto' }));
    assert.equal(custom.authorizationUrl(r).searchParams.get('approval_prompt'), 'auto');
    const none = await ready(options(idp, { approvalPrompt: '' }));
    const q3 = none.authorizationUrl(r).searchParams;
    assert.equal(q3.has('prompt'), false);
    assert.equal(q3.has('approval_prompt'), false);
  });

  it('omits the nonce with insecureOidcSkipNonce and still redeems', async () => {
    const p = await ready(options(idp, { insecureOidcSkipNonce: true }));
    assert.equal(p.authorizationUrl({ redirectUri: cb.redirectUri, state: 's', nonce: 'n' }).searchParams.has('nonce'), false);
    const login = await loginAt(p, cb, { username: 'alice' });
    assert.equal(idp.stats.lastAuthParams?.nonce, undefined);
    const session = await p.redeem({ ...redeemRequest(login), nonce: undefined });
    assert.equal(session.user, 'alice');
  });

  it('uses a configured PKCE method over the advertised one', async () => {
    const p = await ready(options(idp, { codeChallengeMethod: 'plain' }));
    assert.equal(p.pkceMethod(), 'plain');
  });

  it('runs the whole code flow and builds the session from the validated ID token', async () => {
    const before = Date.now();
    const login = await loginAt(provider, cb, { username: 'alice' });
    // What reached the IdP, as sent by the provider.
    const seen = idp.stats.lastAuthParams ?? {};
    assert.equal(seen.nonce, login.nonce);
    assert.equal(seen.code_challenge_method, 'S256');
    assert.equal(seen.approval_prompt, 'force');
    assert.equal(login.callbackUrl.searchParams.get('state'), login.state);

    const session = await provider.redeem(redeemRequest(login));
    assert.equal(session.user, 'alice');
    assert.equal(session.email, 'alice@example.com');
    assert.deepEqual(session.groups, ['admins', 'developers']);
    assert.equal(session.preferredUsername, 'alice.a');
    assert.equal(session.providerId, 'oidc=proxy');
    assert.ok(session.accessToken && session.idToken && session.refreshToken);
    assert.ok(session.createdAt >= before && session.createdAt <= Date.now());
    assert.ok(session.expiresOn > session.createdAt + 3000 * 1000, 'expiresOn follows expires_in (1 h)');
    const claims = jwtPayload(session.idToken);
    assert.equal(claims.nonce, login.nonce);
    assert.equal(claims.aud, 'proxy');
  });

  it('passes prompt through to the IdP and still completes the sign-in', async () => {
    const p = await ready(options(idp, { prompt: 'consent' }));
    const login = await loginAt(p, cb, { username: 'alice' });
    assert.equal(idp.stats.lastAuthParams?.prompt, 'consent');
    assert.equal(idp.stats.lastAuthParams?.approval_prompt, undefined);
    assert.equal((await p.redeem(redeemRequest(login))).user, 'alice');
  });

  it('rejects an ID token whose nonce does not match', async () => {
    const login = await loginAt(provider, cb, { username: 'alice' });
    await rejectsWith(provider.redeem({ ...redeemRequest(login), nonce: 'some-other-nonce' }), 'id_token_invalid', (e) => {
      assert.equal(e.fatal, false);
      assert.match(e.message, /nonce/);
      assertNoSecrets(e.message, [login.code, login.verifier, TEST_CLIENT_SECRET]);
    });
  });

  it('rejects a callback whose state differs before calling the token endpoint', async () => {
    const login = await loginAt(provider, cb, { username: 'alice' });
    const tokenRequests = idp.stats.tokenRequests;
    await rejectsWith(provider.redeem({ ...redeemRequest(login), state: 'not-the-state' }), 'state_mismatch', (e) => {
      assertNoSecrets(e.message, [login.code, 'not-the-state', login.state]);
    });
    assert.equal(idp.stats.tokenRequests, tokenRequests);
  });

  it('rejects a wrong PKCE verifier at the token endpoint', async () => {
    const login = await loginAt(provider, cb, { username: 'alice' });
    await rejectsWith(provider.redeem({ ...redeemRequest(login), codeVerifier: 'x'.repeat(64) }), 'invalid_grant');
  });

  it('rejects an unverified email unless insecureOidcAllowUnverifiedEmail is set', async () => {
    const login = await loginAt(provider, cb, { username: 'carol' });
    await rejectsWith(provider.redeem(redeemRequest(login)), 'email_unverified', (e) => assert.equal(e.fatal, false));

    const lenient = await ready(options(idp, { insecureOidcAllowUnverifiedEmail: true }));
    const again = await loginAt(lenient, cb, { username: 'carol' }, login.client);
    const session = await lenient.redeem(redeemRequest(again));
    assert.equal(session.email, 'carol@example.com');
  });

  it('reads groups and email from custom claims', async () => {
    const p = await ready(options(idp, { oidcGroupsClaim: 'roles', oidcEmailClaim: 'mail' }));
    const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'dave' })));
    assert.equal(session.email, 'dave@corp.example');
    assert.deepEqual(session.groups, ['ops', 'sre']);
  });

  it('accepts a single-string groups claim and the deprecated user-id-claim alias', async () => {
    const p = await ready(options(idp, { oidcGroupsClaim: 'team', userIdClaim: 'mail' }));
    const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'dave' })));
    assert.equal(session.email, 'dave@corp.example');
    assert.deepEqual(session.groups, ['platform']);
  });

  it('fails with missing_email when neither the ID token nor userinfo has an email', async () => {
    const login = await loginAt(provider, cb, { username: 'frank' });
    await rejectsWith(provider.redeem(redeemRequest(login)), 'missing_email', (e) => assert.match(e.message, /"email"/));
  });

  it('carries a user with 300 groups through', async () => {
    const session = await provider.redeem(redeemRequest(await loginAt(provider, cb, { username: 'erin' })));
    assert.equal(session.groups.length, 300);
    assert.equal(session.groups[299], 'group-299-with-a-longish-name');
  });

  it('refreshes into a new session and counts the refresh grant at the IdP', async () => {
    const session = await provider.redeem(redeemRequest(await loginAt(provider, cb, { username: 'alice' })));
    const aged = { ...session, createdAt: session.createdAt - 60_000 };
    const refreshes = idp.stats.refreshRequests;
    const refreshed = await provider.refresh(aged);
    assert.equal(idp.stats.refreshRequests, refreshes + 1);
    assert.ok(refreshed.createdAt > aged.createdAt);
    assert.notEqual(refreshed.accessToken, session.accessToken);
    // The IdP does not rotate by default: the old refresh token stays in the session.
    assert.equal(refreshed.refreshToken, session.refreshToken);
    assert.equal(jwtPayload(refreshed.idToken).sub, 'alice');
    assert.equal(refreshed.user, 'alice');
    assert.equal(refreshed.email, 'alice@example.com');
    assert.deepEqual(refreshed.groups, ['admins', 'developers']);
    assert.equal(refreshed.providerId, session.providerId);
  });

  it('re-reads identity claims from the refreshed ID token', async () => {
    const session = await provider.redeem(redeemRequest(await loginAt(provider, cb, { username: 'gina' })));
    assert.deepEqual(session.groups, ['interns']);
    USERS.gina!.groups = ['interns', 'on-call'];
    USERS.gina!.email = 'gina@new.example.com';
    const refreshed = await provider.refresh(session);
    assert.deepEqual(refreshed.groups, ['interns', 'on-call']);
    assert.equal(refreshed.email, 'gina@new.example.com');
  });

  it('treats a revoked refresh token as fatal invalid_grant', async () => {
    const session = await provider.redeem(redeemRequest(await loginAt(provider, cb, { username: 'alice' })));
    const res = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${TEST_CLIENT_ID}:${TEST_CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token: session.refreshToken ?? '', token_type_hint: 'refresh_token' }),
    });
    assert.equal(res.status, 200);
    await rejectsWith(provider.refresh(session), 'invalid_grant', (e) => {
      assert.equal(e.fatal, true);
      assertNoSecrets(e.message, [session.refreshToken, session.accessToken, TEST_CLIENT_SECRET]);
    });
  });

  it('treats an unknown refresh token as fatal invalid_grant', async () => {
    const session = await provider.redeem(redeemRequest(await loginAt(provider, cb, { username: 'alice' })));
    await rejectsWith(provider.refresh({ ...session, refreshToken: 'not-a-refresh-token' }), 'invalid_grant', (e) =>
      assert.equal(e.fatal, true),
    );
  });

  it('refuses to refresh a session without a refresh token, non-fatally', async () => {
    await rejectsWith(
      provider.refresh({ user: 'alice', email: 'a@example.com', groups: [], createdAt: 0, expiresOn: 0 }),
      'no_refresh_token',
      (e) => assert.equal(e.fatal, false),
    );
  });

  it('works with a manual configuration when discovery is skipped', async () => {
    const p = await ready(
      options(idp, {
        skipOidcDiscovery: true,
        loginUrl: `${idp.issuer}/auth`,
        redeemUrl: `${idp.issuer}/token`,
        oidcJwksUrl: `${idp.issuer}/jwks`,
        profileUrl: `${idp.issuer}/me`,
      }),
    );
    // Nothing is advertised without discovery, so PKCE stays off unless configured.
    assert.equal(p.pkceMethod(), '');
    const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
    assert.equal(session.email, 'alice@example.com');
    const refreshed = await p.refresh(session);
    assert.equal(refreshed.user, 'alice');
  });

  it('rejects an ID token whose signature does not verify', async () => {
    const tamper = await rewritingTokenEndpoint(idp.issuer, (json) => {
      const [h, p, sig = ''] = String(json.id_token).split('.');
      return { ...json, id_token: `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}` };
    });
    try {
      const p = await ready(
        options(idp, {
          skipOidcDiscovery: true,
          loginUrl: `${idp.issuer}/auth`,
          redeemUrl: tamper.url,
          oidcJwksUrl: `${idp.issuer}/jwks`,
        }),
      );
      const login = await loginAt(p, cb, { username: 'alice' });
      await rejectsWith(p.redeem(redeemRequest(login)), 'id_token_invalid', (e) => assert.match(e.message, /signature/));
    } finally {
      await tamper.close();
    }
  });

  it('keeps the refresh token, ID token and identity when a refresh returns only an access token', async () => {
    const bare = await rewritingTokenEndpoint(idp.issuer, (json, form) =>
      form.get('grant_type') === 'refresh_token' ? { access_token: json.access_token, token_type: json.token_type } : json,
    );
    try {
      const p = await ready(
        options(idp, {
          skipOidcDiscovery: true,
          loginUrl: `${idp.issuer}/auth`,
          redeemUrl: bare.url,
          oidcJwksUrl: `${idp.issuer}/jwks`,
        }),
      );
      const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      const refreshed = await p.refresh({ ...session, createdAt: session.createdAt - 1000 });
      assert.notEqual(refreshed.accessToken, session.accessToken);
      assert.equal(refreshed.refreshToken, session.refreshToken);
      assert.equal(refreshed.idToken, session.idToken);
      assert.equal(refreshed.email, 'alice@example.com');
      assert.deepEqual(refreshed.groups, session.groups);
      assert.equal(refreshed.preferredUsername, session.preferredUsername);
      assert.equal(refreshed.expiresOn, 0, 'no expires_in, no known expiry');
      assert.ok(refreshed.createdAt > session.createdAt - 1000);
    } finally {
      await bare.close();
    }
  });

  it('refuses a refreshed ID token issued for another subject', async () => {
    // Swap in an ID token the IdP issued to bob, validly signed, when alice refreshes.
    let bobsIdToken = '';
    const swap = await rewritingTokenEndpoint(idp.issuer, (json, form) => {
      if (form.get('grant_type') !== 'refresh_token') return json;
      return { ...json, id_token: bobsIdToken };
    });
    try {
      const p = await ready(
        options(idp, {
          skipOidcDiscovery: true,
          loginUrl: `${idp.issuer}/auth`,
          redeemUrl: swap.url,
          oidcJwksUrl: `${idp.issuer}/jwks`,
        }),
      );
      bobsIdToken = (await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'gina' })))).idToken ?? '';
      const alice = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      await rejectsWith(p.refresh(alice), 'id_token_invalid', (e) => assert.equal(e.fatal, true));
    } finally {
      await swap.close();
    }
  });

  it('reports an unreachable token endpoint as a non-fatal network error', async () => {
    const port = await closedPort();
    const p = await ready(
      options(idp, {
        skipOidcDiscovery: true,
        loginUrl: `${idp.issuer}/auth`,
        redeemUrl: `http://127.0.0.1:${port}/token`,
        oidcJwksUrl: `${idp.issuer}/jwks`,
      }),
    );
    const refreshToken = 'rt-that-must-not-leak-1234';
    await rejectsWith(
      p.refresh({ user: 'alice', email: 'a@example.com', groups: [], createdAt: 0, expiresOn: 0, refreshToken }),
      'network',
      (e) => {
        assert.equal(e.fatal, false);
        assert.match(e.message, /ECONNREFUSED/);
        assertNoSecrets(e.message, [refreshToken, TEST_CLIENT_SECRET]);
      },
    );
  });

  it('gives up on a token endpoint that never answers after timeoutMs', async () => {
    const silent = await listen(() => {
      // Accept the request and never respond.
    });
    try {
      const p = await ready(
        options(idp, {
          skipOidcDiscovery: true,
          loginUrl: `${idp.issuer}/auth`,
          redeemUrl: `${silent.origin}/token`,
          oidcJwksUrl: `${idp.issuer}/jwks`,
          timeoutMs: 300,
        }),
      );
      await rejectsWith(
        p.refresh({ user: 'alice', email: 'a@example.com', groups: [], createdAt: 0, expiresOn: 0, refreshToken: 'rt' }),
        'network',
        (e) => {
          assert.equal(e.fatal, false);
          assert.match(e.message, /300 ms/);
        },
      );
    } finally {
      await silent.close();
    }
  });

  it('turns an access_denied callback into a non-fatal provider error', async () => {
    const login = await loginAt(provider, cb, { username: 'alice' });
    const denied = new URL(cb.redirectUri);
    denied.search = new URLSearchParams({ error: 'access_denied', error_description: 'End-User aborted interaction', state: login.state }).toString();
    await rejectsWith(provider.redeem({ ...redeemRequest(login), callbackUrl: denied }), 'access_denied', (e) => {
      assert.equal(e.fatal, false);
      assert.match(e.message, /aborted/);
      const px = e.toProxyError();
      assert.ok(px instanceof ProxyError);
      assert.equal(px.code, 'PROVIDER_ERROR');
      assert.equal(px.expose, true);
    });
  });
});

describe('OIDC provider: IdP variations', () => {
  let cb: CallbackServer;
  before(async () => {
    cb = await startCallbackServer();
  });
  after(async () => {
    await cb.close();
  });

  it('fills the email and groups from userinfo when the ID token lacks them', async () => {
    const idp = await startTestIdp({ users: USERS, redirectUris: [cb.redirectUri], conformIdTokenClaims: true });
    try {
      const p = await ready(options(idp));
      const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      const claims = jwtPayload(session.idToken);
      assert.equal(claims.email, undefined, 'the IdP keeps the email out of the ID token');
      assert.equal(session.email, 'alice@example.com');
      assert.deepEqual(session.groups, ['admins', 'developers']);
      assert.equal(session.preferredUsername, 'alice.a');
    } finally {
      await idp.close();
    }
  });

  it('rejects an unverified email that only userinfo reports', async () => {
    const idp = await startTestIdp({ users: USERS, redirectUris: [cb.redirectUri], conformIdTokenClaims: true });
    try {
      const p = await ready(options(idp));
      await rejectsWith(p.redeem(redeemRequest(await loginAt(p, cb, { username: 'carol' }))), 'email_unverified');
    } finally {
      await idp.close();
    }
  });

  it('authenticates with client_secret_post when that is all the IdP supports', async () => {
    const idp = await startTestIdp({
      users: USERS,
      redirectUris: [cb.redirectUri],
      tokenEndpointAuthMethods: ['client_secret_post'],
      client: { tokenEndpointAuthMethod: 'client_secret_post' },
    });
    try {
      const p = await ready(options(idp));
      const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      assert.equal(session.user, 'alice');
    } finally {
      await idp.close();
    }
  });

  it('replaces a rotated refresh token and treats the old one as invalid_grant', async () => {
    const idp = await startTestIdp({ users: USERS, redirectUris: [cb.redirectUri], rotateRefreshToken: true });
    try {
      const p = await ready(options(idp));
      const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      const refreshed = await p.refresh(session);
      assert.ok(refreshed.refreshToken && refreshed.refreshToken !== session.refreshToken);
      await rejectsWith(p.refresh(session), 'invalid_grant', (e) => assert.equal(e.fatal, true));
    } finally {
      await idp.close();
    }
  });
});

describe('OIDC provider configuration', () => {
  const base: OidcProviderOptions = { oidcIssuerUrl: '', clientId: 'proxy', clientSecret: 'secret', allowedGroups: [] };

  it('refuses an http issuer on a non-loopback host without contacting it', async () => {
    const p = createOidcProvider({ ...base, oidcIssuerUrl: 'http://idp.example.com/realms/main' });
    await rejectsWith(p.init(), 'config', (e) => {
      assert.match(e.message, /http:\/\/idp\.example\.com\/realms\/main/);
      assert.match(e.message, /https/);
    });
  });

  it('refuses plain-http endpoints elsewhere even with discovery skipped', async () => {
    const p = createOidcProvider({
      ...base,
      oidcIssuerUrl: 'https://idp.example.com',
      skipOidcDiscovery: true,
      loginUrl: 'https://idp.example.com/auth',
      redeemUrl: 'http://idp.example.com/token',
      oidcJwksUrl: 'https://idp.example.com/jwks',
    });
    await rejectsWith(p.init(), 'config', (e) => assert.match(e.message, /token endpoint/));
  });

  it('names what is missing when discovery is skipped', async () => {
    const p = createOidcProvider({ ...base, oidcIssuerUrl: 'https://idp.example.com', skipOidcDiscovery: true });
    await rejectsWith(p.init(), 'config', (e) => assert.match(e.message, /login-url, redeem-url, oidc-jwks-url/));
  });

  it('reports an unreachable issuer as a discovery error naming it', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const p = createOidcProvider({ ...base, oidcIssuerUrl: issuer, clientSecret: 'do-not-print-me' });
    await rejectsWith(p.init(), 'discovery', (e) => {
      assert.ok(e.message.includes(issuer), e.message);
      assertNoSecrets(e.message, ['do-not-print-me']);
    });
  });

  it('rejects an unknown PKCE method', async () => {
    const p = createOidcProvider({ ...base, oidcIssuerUrl: 'https://idp.example.com', codeChallengeMethod: 'S512' });
    await rejectsWith(p.init(), 'config', (e) => assert.match(e.message, /S512/));
  });

  it('uses the configured display name', () => {
    assert.equal(createOidcProvider({ ...base, providerDisplayName: 'Corp SSO' }).displayName, 'Corp SSO');
  });

  it('knows which hosts are loopback', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', '[::1]', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['10.0.0.1', '[::2]', 'example.com', '128.0.0.1', 'localhost.example.com', '0.0.0.0']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });

  it('creates providers by type and names the supported ones otherwise', () => {
    assert.equal(createProvider({ ...base, provider: 'oidc' }).id, 'oidc=proxy');
    assert.throws(
      () => createProvider({ ...base, provider: 'okta' }),
      (e: unknown) => e instanceof ProviderError && e.code === 'config' && /supported: oidc, keycloak-oidc/.test(e.message),
    );
  });

  it('maps outages to a 500 that hides details and identity problems to an exposed 403', () => {
    const outage = new ProviderError('network', 'token request failed').toProxyError();
    assert.equal(outage.status, 500);
    assert.equal(outage.expose, false);
    const identity = new ProviderError('email_unverified', 'not verified').toProxyError();
    assert.equal(identity.status, 403);
    assert.equal(identity.expose, true);
    assert.equal(new ProviderError('invalid_grant', 'x').fatal, true);
    assert.equal(new ProviderError('invalid_client', 'x').fatal, true);
    assert.equal(new ProviderError('network', 'x').fatal, false);
  });
});
