// Back-channel logout with several OpenID providers: a logout token is checked against the keys and
// client id of the provider its iss names, so each provider can end its own users' sessions, and a
// token signed by one provider but claiming another's issuer is refused.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { request } from 'undici';
import { BACKCHANNEL_LOGOUT_EVENT, makeBackchannelLogout } from '../../src/endpoints/backchannel-logout.js';
import { silentLog } from '../../src/log.js';
import type { Provider } from '../../src/providers/provider.js';
import { providerFetch } from '../../src/providers/tls.js';
import { TEST_TLS_CERT, TEST_TLS_KEY } from '../upstream/tls-fixture.js';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { serveHandler } from '../support/handler-server.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { apply, ctxOf, redisStore, session } from '../session/store-contract.js';

interface Issuer { url: string; clientId: string; sign: (claims: JWTPayload) => Promise<string>; server: Server }

async function startIssuer(clientId: string, tls = false): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const keys: Parameters<typeof createServer>[1] = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  const server: Server = tls ? createHttpsServer({ key: TEST_TLS_KEY, cert: TEST_TLS_CERT }, keys) : createServer(keys);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, clientId, server, sign: (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'logout+jwt' }).sign(privateKey) };
}

const providerOf = (i: Issuer, id: string): Provider => ({ id, logoutMetadata: () => ({ issuer: i.url, clientId: i.clientId, jwksUri: `${i.url}/jwks` }) }) as unknown as Provider;

describe('back-channel logout with several providers', () => {
  let redis: RedisServer;
  let store: RedisSessionStore;
  let main: Issuer;
  let corp: Issuer;
  let endpoint: Server;
  let url: string;

  before(async () => {
    redis = await startRedis();
    store = await redisStore({ redisConnectionUrl: redis.url }, { now: Date.now() });
    main = await startIssuer('main-client');
    corp = await startIssuer('corp-client');
    const noLogout = { } as Provider; // an OAuth2-only provider (GitHub) takes no part
    const handler = makeBackchannelLogout({ store, provider: providerOf(main, 'oidc=main-client'), providers: [providerOf(main, 'oidc=main-client'), noLogout, providerOf(corp, 'corp')], log: silentLog });
    ({ server: endpoint, url } = await serveHandler(handler, '/oauth2/backchannel-logout'));
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
    main?.server.close();
    corp?.server.close();
    endpoint?.close();
  });

  const claims = (i: Issuer, extra: JWTPayload): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: i.url, aud: i.clientId, iat: now, exp: now + 120, jti: `j-${Math.random()}`, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...extra };
  };
  const post = async (token: string) => (await request(url, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: token }).toString(),
  })).statusCode;
  const signedIn = async (sub: string, sid: string, providerId: string) =>
    apply(new Map(), await store.save(ctxOf(new Map()), session(sub, sid, { providerId }), { fresh: true }));

  it('accepts each provider\'s logout tokens, checked with that provider\'s keys and client id', async () => {
    const atMain = await signedIn('ann', 'main-sid-1', 'oidc=main-client');
    const atCorp = await signedIn('bea', 'corp-sid-1', 'corp');
    assert.equal(await post(await corp.sign(claims(corp, { sub: 'bea', sid: 'corp-sid-1' }))), 200);
    assert.equal((await store.load(ctxOf(atCorp))).state, 'invalid');
    assert.equal((await store.load(ctxOf(atMain))).state, 'ok');
    assert.equal(await post(await main.sign(claims(main, { sub: 'ann', sid: 'main-sid-1' }))), 200);
    assert.equal((await store.load(ctxOf(atMain))).state, 'invalid');
  });

  it('a token naming only a sub ends that provider\'s sessions of the sub, not another provider\'s user with the same sub', async () => {
    const corpDee = await signedIn('dee', 'corp-sid-3', 'corp');
    const corpDee2 = await signedIn('dee', 'corp-sid-4', 'corp');
    const mainDee = await signedIn('dee', 'main-sid-3', 'oidc=main-client');
    assert.equal(await post(await corp.sign(claims(corp, { sub: 'dee' }))), 200);
    assert.equal((await store.load(ctxOf(corpDee))).state, 'invalid');
    assert.equal((await store.load(ctxOf(corpDee2))).state, 'invalid');
    assert.equal((await store.load(ctxOf(mainDee))).state, 'ok');
  });

  it('refuses a token signed by one provider that claims another one\'s issuer or audience', async () => {
    const victim = await signedIn('cid', 'corp-sid-2', 'corp');
    assert.equal(await post(await main.sign(claims(corp, { sub: 'cid', sid: 'corp-sid-2' }))), 400);
    assert.equal(await post(await corp.sign(claims(corp, { sub: 'cid', sid: 'corp-sid-2', aud: main.clientId }))), 400);
    assert.equal((await store.load(ctxOf(victim))).state, 'ok');
  });
});

describe('back-channel logout with a provider of its own CA', () => {
  it('fetches that provider\'s keys with its own trust options', async () => {
    const redis = await startRedis();
    const store = await redisStore({ redisConnectionUrl: redis.url }, { now: Date.now() });
    const main = await startIssuer('main-client');
    const corp = await startIssuer('corp-client', true);
    const ca = join(mkdtempSync(join(tmpdir(), 'bcl-ca-')), 'ca.pem');
    writeFileSync(ca, TEST_TLS_CERT);
    const corpProvider = providerOf(corp, 'corp');
    const corpFetch = providerFetch({ providerCaFiles: [ca] });
    const serve = async (fetchOf: ((p: Provider) => typeof fetch | undefined) | undefined) => {
      const handler = makeBackchannelLogout({
        store, provider: providerOf(main, 'oidc=main-client'), providers: [providerOf(main, 'oidc=main-client'), corpProvider], log: silentLog,
        ...(fetchOf ? { fetchOf } : {}),
      });
      return serveHandler(handler, '/oauth2/backchannel-logout');
    };
    const withCa = await serve((p) => (p === corpProvider ? corpFetch : undefined));
    const withoutCa = await serve(undefined);
    try {
      const now = Math.floor(Date.now() / 1000);
      const token = () => corp.sign({ iss: corp.url, aud: corp.clientId, iat: now, exp: now + 120, jti: `j-${Math.random()}`, sub: 'eve', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
      const post = async (endpointUrl: string) => (await request(endpointUrl, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: await token() }).toString(),
      })).statusCode;
      assert.equal(await post(withoutCa.url), 503, 'the self-signed key server is not trusted without the provider\'s CA');
      assert.equal(await post(withCa.url), 200);
    } finally {
      withCa.server.close();
      withoutCa.server.close();
      main.server.close();
      corp.server.close();
      await store.close();
      await redis.stop();
    }
  });
});
