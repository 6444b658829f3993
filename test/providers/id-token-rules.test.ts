// ID token rules beyond openid-client's own: --oidc-audience-claim, --oidc-extra-audience,
// --insecure-oidc-skip-issuer-verification and --oidc-public-key-file, against a small token
// endpoint that signs whatever claims a test asks for.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

import { createProvider, ProviderError, type Provider, type ProviderConfig, type RedeemRequest } from '../../src/providers/index.js';
import { listen, type LocalServer } from './helpers.js';

const CLIENT_ID = 'proxy';

interface FakeIdp extends LocalServer {
  /** Claims of the next ID token, on top of the defaults; a function sees the issuer and nonce. */
  claims: Record<string, unknown>;
  signWith: CryptoKey;
  tokenRequests: number;
}

describe('ID token audience, issuer and public key rules', () => {
  let idp: FakeIdp;
  let key: CryptoKey;
  let otherKey: CryptoKey;
  let publicKeyFile: string;
  let otherPublicKeyFile: string;

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const other = await generateKeyPair('RS256', { extractable: true });
    key = pair.privateKey;
    otherKey = other.privateKey;
    const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const dir = mkdtempSync(join(tmpdir(), 'id-token-keys-'));
    publicKeyFile = join(dir, 'idp.pem');
    writeFileSync(publicKeyFile, await exportSPKI(pair.publicKey));
    otherPublicKeyFile = join(dir, 'other.pem');
    writeFileSync(otherPublicKeyFile, await exportSPKI(other.publicKey));

    const state = { claims: {} as Record<string, unknown>, signWith: key, tokenRequests: 0 };
    const server = await listen((req, res) => {
      if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        state.tokenRequests++;
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: server.origin, sub: 'alice', aud: CLIENT_ID, email: 'alice@example.com', email_verified: true, nonce: 'nonce-1', iat: now, exp: now + 300, ...state.claims };
        for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
        void new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', ...(state.signWith === key ? { kid: 'k1' } : {}) })
          .sign(state.signWith)
          .then((idToken) => {
            res.writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 300, id_token: idToken }));
          });
      });
    });
    idp = Object.assign(server, state) as FakeIdp;
    Object.defineProperty(idp, 'claims', { get: () => state.claims, set: (v: Record<string, unknown>) => { state.claims = v; } });
    Object.defineProperty(idp, 'signWith', { get: () => state.signWith, set: (v: CryptoKey) => { state.signWith = v; } });
  });
  after(async () => {
    await idp.close();
  });

  function config(more: Partial<ProviderConfig> = {}): ProviderConfig {
    return {
      provider: 'oidc', clientId: CLIENT_ID, clientSecret: 'proxy-secret', timeoutMs: 5000,
      oidcIssuerUrl: idp.origin, skipOidcDiscovery: true,
      loginUrl: `${idp.origin}/auth`, redeemUrl: `${idp.origin}/token`, oidcJwksUrl: `${idp.origin}/jwks`,
      ...more,
    };
  }

  async function redeem(c: ProviderConfig, claims: Record<string, unknown>, signWith: CryptoKey = key) {
    idp.claims = claims;
    idp.signWith = signWith;
    const p: Provider = createProvider(c);
    await p.init();
    const redirectUri = 'http://127.0.0.1:9/oauth2/callback';
    const r: RedeemRequest = { code: 'code-1', state: 'state-1', nonce: 'nonce-1', redirectUri, callbackUrl: new URL(`${redirectUri}?code=code-1&state=state-1`) };
    return p.redeem(r);
  }

  const invalid = (fragment: RegExp) => (err: unknown) => {
    assert.ok(err instanceof ProviderError, String(err));
    assert.equal(err.code, 'id_token_invalid');
    assert.match(err.message, fragment);
    return true;
  };

  it('accepts the client id and refuses a foreign audience by default', async () => {
    assert.equal((await redeem(config(), {})).email, 'alice@example.com');
    await assert.rejects(redeem(config(), { aud: 'someone-else' }), invalid(/aud/));
  });

  it('accepts an --oidc-extra-audience and still refuses a foreign one', async () => {
    const c = config({ oidcExtraAudiences: ['api-gateway'] });
    const s = await redeem(c, { aud: ['api-gateway', 'other'] });
    assert.equal(s.user, 'alice');
    assert.ok(s.idToken);
    assert.equal((await redeem(c, {})).email, 'alice@example.com');
    await assert.rejects(redeem(c, { aud: 'someone-else' }), invalid(/not the client id nor an --oidc-extra-audience/));
  });

  it('reads the audience from the claims named by --oidc-audience-claim', async () => {
    const c = config({ oidcAudienceClaims: ['client_id', 'aud'] });
    assert.equal((await redeem(c, { aud: 'api://resource', client_id: CLIENT_ID })).user, 'alice');
    await assert.rejects(redeem(config({ oidcAudienceClaims: ['client_id'] }), {}), invalid(/none of the audience claims client_id/));
    await assert.rejects(redeem(c, { aud: 'api://resource', client_id: 'other-client' }), invalid(/audience/));
  });

  it('keeps signature, expiry and nonce checks when it checks the ID token itself', async () => {
    const c = config({ oidcExtraAudiences: ['api-gateway'] });
    await assert.rejects(redeem(c, {}, otherKey), invalid(/not valid/));
    await assert.rejects(redeem(c, { nonce: 'another-nonce' }), invalid(/nonce/));
    const past = Math.floor(Date.now() / 1000) - 3600;
    await assert.rejects(redeem(c, { iat: past - 300, exp: past }), invalid(/expired/));
  });

  it('refuses a foreign issuer unless --insecure-oidc-skip-issuer-verification', async () => {
    await assert.rejects(redeem(config(), { iss: 'https://tenant-b.example' }), invalid(/iss/));
    await assert.rejects(redeem(config({ oidcExtraAudiences: ['x'] }), { iss: 'https://tenant-b.example' }), invalid(/iss/));
    assert.equal((await redeem(config({ insecureOidcSkipIssuerVerification: true }), { iss: 'https://tenant-b.example' })).user, 'alice');
    await assert.rejects(redeem(config({ insecureOidcSkipIssuerVerification: true }), { iss: 'https://tenant-b.example', aud: 'x' }), invalid(/audience/));
  });

  it('verifies with --oidc-public-key-file instead of a JWKS URL', async () => {
    const c = config({ oidcJwksUrl: '', oidcPublicKeyFiles: [otherPublicKeyFile, publicKeyFile] });
    assert.equal((await redeem(c, {})).email, 'alice@example.com');
    assert.equal((await redeem(c, {}, otherKey)).email, 'alice@example.com');
    await assert.rejects(redeem(config({ oidcJwksUrl: '', oidcPublicKeyFiles: [otherPublicKeyFile] }), {}), invalid(/signature/));
    await assert.rejects(
      redeem(config({ oidcJwksUrl: '', oidcPublicKeyFiles: [join(tmpdir(), 'no-such-key.pem')] }), {}),
      (err: unknown) => err instanceof ProviderError && err.code === 'config' && err.message.startsWith('--oidc-public-key-file:'),
    );
  });
});
