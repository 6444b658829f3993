// Provider options around the OIDC provider: TLS trust towards the IdP (--provider-ca-file,
// --use-system-trust-store, --ssl-insecure-skip-verify), --oidc-enabled-signing-alg,
// --skip-claims-from-profile-url, --auth-request-response-mode and --force-code-challenge-method.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createProvider, ProviderError, type Provider, type ProviderConfig } from '../../src/providers/index.js';
import { createApiClient } from '../../src/providers/http.js';
import { providerFetch } from '../../src/providers/tls.js';
import { createBearerVerifier } from '../../src/jwt/bearer.js';
import { generateKeyPair, SignJWT } from 'jose';
import { createTestCa, type TestCa } from '../ops/certs.js';
import { startTestIdp, TEST_CLIENT_ID, TEST_CLIENT_SECRET, type DevIdp, type DevUser } from '../support/idp.js';
import { listen, loginAt, redeemRequest, startCallbackServer, type CallbackServer, type LocalServer } from './helpers.js';

const USERS: Record<string, DevUser> = {
  alice: { email: 'alice@example.com', email_verified: true, groups: ['admins'] },
};

function oidcConfig(issuer: string, more: Partial<ProviderConfig> = {}): ProviderConfig {
  return { provider: 'oidc', oidcIssuerUrl: issuer, clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, timeoutMs: 5000, ...more };
}

async function ready(c: ProviderConfig): Promise<Provider> {
  const p = createProvider(c);
  await p.init();
  return p;
}

/** An HTTPS issuer with a certificate from a throwaway CA, serving discovery and a JWKS. */
async function startHttpsIssuer(ca: TestCa): Promise<{ issuer: string; hits: string[]; close(): Promise<void> }> {
  const { cert, key } = ca.issue('127.0.0.1');
  const hits: string[] = [];
  let issuer = '';
  const server: HttpsServer = createHttpsServer({ cert, key }, (req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/auth`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        userinfo_endpoint: `${issuer}/me`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [], ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('TLS towards the identity provider', () => {
  let ca: TestCa;
  let other: TestCa;
  let idp: Awaited<ReturnType<typeof startHttpsIssuer>>;
  let caFile: string;
  let otherCaFile: string;

  before(async () => {
    ca = createTestCa();
    other = createTestCa();
    caFile = join(ca.dir, 'bundle.pem');
    writeFileSync(caFile, ca.caCert);
    otherCaFile = join(other.dir, 'bundle.pem');
    writeFileSync(otherCaFile, other.caCert);
    idp = await startHttpsIssuer(ca);
  });
  after(async () => {
    await idp.close();
  });

  it('refuses the issuer when its CA is not trusted', async () => {
    await assert.rejects(ready(oidcConfig(idp.issuer)), (err: unknown) => err instanceof ProviderError && err.code === 'discovery');
    await assert.rejects(ready(oidcConfig(idp.issuer, { providerCaFiles: [otherCaFile] })), (err: unknown) => err instanceof ProviderError && err.code === 'discovery');
  });

  it('discovers the issuer with --provider-ca-file, with or without the system trust store', async () => {
    const before = idp.hits.length;
    const p = await ready(oidcConfig(idp.issuer, { providerCaFiles: [otherCaFile, caFile] }));
    assert.equal(p.authorizationUrl({ redirectUri: 'http://127.0.0.1/cb', state: 's', nonce: 'n' }).origin, idp.issuer);
    await ready(oidcConfig(idp.issuer, { providerCaFiles: [caFile], useSystemTrustStore: true }));
    assert.ok(idp.hits.slice(before).includes('/.well-known/openid-configuration'));
  });

  it('discovers the issuer with --ssl-insecure-skip-verify and no CA file', async () => {
    await ready(oidcConfig(idp.issuer, { sslInsecureSkipVerify: true }));
  });

  it('applies the same trust to provider API calls', async () => {
    const url = `${idp.issuer}/api/user`;
    await assert.rejects(createApiClient({ name: 'Test API', timeoutMs: 5000 }).getJson(url), (err: unknown) => err instanceof ProviderError && err.code === 'network');
    assert.deepEqual(await createApiClient({ name: 'Test API', timeoutMs: 5000, fetch: providerFetch({ providerCaFiles: [caFile] }) }).getJson(url), { keys: [], ok: true });
    assert.deepEqual(await createApiClient({ name: 'Test API', timeoutMs: 5000, fetch: providerFetch({ sslInsecureSkipVerify: true }) }).getJson(url), { keys: [], ok: true });
    await assert.rejects(
      createApiClient({ name: 'Test API', timeoutMs: 5000, fetch: providerFetch({ providerCaFiles: [otherCaFile] }) }).getJson(url),
      (err: unknown) => err instanceof ProviderError && err.code === 'network',
    );
  });

  it('fetches the key sets of bearer-token issuers with the same trust', async () => {
    const key = await generateKeyPair('RS256');
    const token = await new SignJWT({ email: 'a@example.com' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(idp.issuer).setAudience('api').setSubject('a').setIssuedAt().setExpirationTime('5m').sign(key.privateKey);
    const issuers = [{ issuer: idp.issuer, audiences: ['api'] }];
    const common = { issuers, emailClaim: 'email', groupsClaim: 'groups', allowUnverifiedEmail: false };

    const untrusted = await createBearerVerifier(common).verify(token);
    assert.equal(untrusted.ok, false);
    const before = idp.hits.length;
    const trusted = await createBearerVerifier({ ...common, fetch: providerFetch({ providerCaFiles: [caFile] }) }).verify(token);
    // The issuer's key set is empty, so the token is refused, but only after discovery and the
    // key set were fetched over TLS with the given CA.
    assert.equal(trusted.ok, false);
    assert.deepEqual(idp.hits.slice(before), ['/.well-known/openid-configuration', '/jwks']);
  });

  it('names --provider-ca-file when a bundle cannot be used', () => {
    assert.throws(() => providerFetch({ providerCaFiles: [join(ca.dir, 'missing.pem')] }), /^ProviderError: --provider-ca-file: .*cannot be read/);
  });
});

describe('OIDC options against the dev IdP', () => {
  let idp: DevIdp;
  let cb: CallbackServer;

  before(async () => {
    cb = await startCallbackServer();
    idp = await startTestIdp({ users: USERS, redirectUris: [cb.redirectUri], conformIdTokenClaims: true });
  });
  after(async () => {
    await idp.close();
    await cb.close();
  });

  it('sends --auth-request-response-mode as response_mode', async () => {
    const p = await ready(oidcConfig(idp.issuer, { authRequestResponseMode: 'form_post' }));
    const url = p.authorizationUrl({ redirectUri: cb.redirectUri, state: 'state-1', nonce: 'nonce-1' });
    assert.equal(url.searchParams.get('response_mode'), 'form_post');
    await fetch(url, { redirect: 'manual' });
    assert.equal(idp.stats.lastAuthParams?.response_mode, 'form_post');
    const plain = await ready(oidcConfig(idp.issuer));
    assert.equal(plain.authorizationUrl({ redirectUri: cb.redirectUri, state: 's', nonce: 'n' }).searchParams.has('response_mode'), false);
  });

  it('takes --force-code-challenge-method when --code-challenge-method is empty', async () => {
    assert.equal((await ready(oidcConfig(idp.issuer, { forceCodeChallengeMethod: 'plain' }))).pkceMethod(), 'plain');
    assert.equal((await ready(oidcConfig(idp.issuer, { forceCodeChallengeMethod: 'plain', codeChallengeMethod: 'S256' }))).pkceMethod(), 'S256');
    const github = createProvider({ provider: 'github', clientId: 'gh', clientSecret: 'gh-secret', forceCodeChallengeMethod: 'S256' });
    assert.equal(github.pkceMethod(), 'S256');
  });

  it('refuses an ID token signed with an algorithm outside --oidc-enabled-signing-alg', async () => {
    const doc = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { id_token_signing_alg_values_supported: string[] };
    assert.ok(doc.id_token_signing_alg_values_supported.includes('RS256'));
    const ok = await ready(oidcConfig(idp.issuer, { oidcEnabledSigningAlgs: ['RS256', 'ES512'] }));
    const session = await ok.redeem(redeemRequest(await loginAt(ok, cb, { username: 'alice' })));
    assert.equal(session.email, 'alice@example.com');

    // The dev IdP signs with RS256 only; without discovery nothing is advertised, so the enabled
    // list alone decides, and an RS256 ID token must then be refused.
    const full = doc as unknown as { authorization_endpoint: string; token_endpoint: string; jwks_uri: string };
    const p = await ready(oidcConfig(idp.issuer, {
      skipOidcDiscovery: true,
      loginUrl: full.authorization_endpoint,
      redeemUrl: full.token_endpoint,
      oidcJwksUrl: full.jwks_uri,
      codeChallengeMethod: 'S256',
      skipClaimsFromProfileUrl: true,
      oidcEnabledSigningAlgs: ['PS256', 'ES256'],
    }));
    await assert.rejects(p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' }))), (err: unknown) =>
      err instanceof ProviderError && err.code === 'id_token_invalid' && /alg/.test(err.message));
    // With discovery, enabled algorithms the issuer does not use leave nothing to accept: refused at start-up.
    await assert.rejects(ready(oidcConfig(idp.issuer, { oidcEnabledSigningAlgs: ['PS256'] })), (err: unknown) =>
      err instanceof ProviderError && err.code === 'config' && err.message.startsWith('--oidc-enabled-signing-alg:'));
  });

  describe('--skip-claims-from-profile-url', () => {
    let counter: LocalServer;
    let userinfoCalls = 0;
    let endpoints: { authorization_endpoint: string; token_endpoint: string; jwks_uri: string; userinfo_endpoint: string };

    before(async () => {
      endpoints = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as typeof endpoints;
      counter = await listen((req, res) => {
        userinfoCalls++;
        void fetch(endpoints.userinfo_endpoint, { headers: { authorization: String(req.headers.authorization ?? '') } })
          .then(async (r) => res.writeHead(r.status, { 'content-type': 'application/json' }).end(await r.text()))
          .catch(() => res.writeHead(502).end());
      });
    });
    after(async () => {
      await counter.close();
    });

    const manual = (more: Partial<ProviderConfig>) =>
      oidcConfig(idp.issuer, {
        skipOidcDiscovery: true,
        loginUrl: endpoints.authorization_endpoint,
        redeemUrl: endpoints.token_endpoint,
        oidcJwksUrl: endpoints.jwks_uri,
        profileUrl: `${counter.origin}/userinfo`,
        codeChallengeMethod: 'S256',
        ...more,
      });

    it('asks the profile URL for claims the ID token lacks by default', async () => {
      userinfoCalls = 0;
      const p = await ready(manual({}));
      const session = await p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' })));
      assert.equal(session.email, 'alice@example.com');
      assert.equal(userinfoCalls, 1);
    });

    it('never calls it when set, so a missing email stays missing', async () => {
      userinfoCalls = 0;
      const p = await ready(manual({ skipClaimsFromProfileUrl: true }));
      await assert.rejects(p.redeem(redeemRequest(await loginAt(p, cb, { username: 'alice' }))), (err: unknown) =>
        err instanceof ProviderError && err.code === 'missing_email');
      assert.equal(userinfoCalls, 0);
    });
  });
});
