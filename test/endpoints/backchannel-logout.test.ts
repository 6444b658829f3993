// The back-channel logout endpoint's token checks (OpenID Connect Back-Channel Logout 1.0 §2.6),
// with logout tokens signed by a test issuer whose JWKS is served over HTTP, against a real Redis
// store: accepted tokens end the sessions they name; every malformed, forged, expired, misdirected
// or incomplete token is refused with 400 and ends nothing.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { request } from 'undici';
import { BACKCHANNEL_LOGOUT_EVENT, makeBackchannelLogout } from '../../src/endpoints/backchannel-logout.js';
import { silentLog } from '../../src/log.js';
import type { Provider } from '../../src/providers/provider.js';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { serveHandler } from '../support/handler-server.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { apply, ctxOf, redisStore, session } from '../session/store-contract.js';

const CLIENT_ID = 'proxy';

describe('back-channel logout endpoint', () => {
  let redis: RedisServer;
  let store: RedisSessionStore;
  let jwksServer: Server;
  let endpoint: Server;
  let url: string;
  let issuer: string;
  let sign: (claims: JWTPayload, header?: Record<string, unknown>) => Promise<string>;
  let forge: (claims: JWTPayload) => Promise<string>;

  before(async () => {
    redis = await startRedis();
    store = await redisStore({ redisConnectionUrl: redis.url }, { now: Date.now() });
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
    sign = (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt', ...header }).sign(privateKey);
    // Another key that claims the same kid: what a forger without the issuer's key can make.
    const other = await generateKeyPair('RS256');
    forge = (claims) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'logout+jwt' }).sign(other.privateKey);

    const provider = { logoutMetadata: () => ({ issuer, clientId: CLIENT_ID, jwksUri: `${issuer}/jwks` }) } as unknown as Provider;
    const handler = makeBackchannelLogout({ store, provider, log: silentLog });
    ({ server: endpoint, url } = await serveHandler(handler, '/oauth2/backchannel-logout'));
  });
  after(async () => {
    await store?.close();
    await redis?.stop();
    jwksServer?.close();
    endpoint?.close();
  });

  const claims = (extra: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 120, jti: `j-${Math.random()}`, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} }, ...extra };
  };

  async function post(body: Record<string, string> | string, method = 'POST') {
    const res = await request(url, {
      method: method as 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text, cacheControl: res.headers['cache-control'] };
  }

  async function signedIn(sub: string, sid: string) {
    return apply(new Map(), await store.save(ctxOf(new Map()), session(sub, sid), { fresh: true }));
  }

  it('ends the sessions of the named IdP session (sid), and only those', async () => {
    const s1 = await signedIn('ann', 'sid-1');
    const s2 = await signedIn('ann', 'sid-2');
    const r = await post({ logout_token: await sign(claims({ sub: 'ann', sid: 'sid-1' })) });
    assert.equal(r.status, 200);
    assert.match(String(r.cacheControl), /no-store/);
    assert.equal((await store.load(ctxOf(s1))).state, 'invalid');
    assert.equal((await store.load(ctxOf(s2))).state, 'ok');
  });

  it('ends every session of the subject when only sub is given', async () => {
    const s1 = await signedIn('ben', 'sid-3');
    const s2 = await signedIn('ben', 'sid-4');
    const keep = await signedIn('cat', 'sid-5');
    assert.equal((await post({ logout_token: await sign(claims({ sub: 'ben' })) })).status, 200);
    assert.equal((await store.load(ctxOf(s1))).state, 'invalid');
    assert.equal((await store.load(ctxOf(s2))).state, 'invalid');
    assert.equal((await store.load(ctxOf(keep))).state, 'ok');
  });

  const now = () => Math.floor(Date.now() / 1000);
  const refused: Array<[string, () => Promise<string>]> = [
    ['signed by another key', () => forge(claims({ sub: 'dan', sid: 'sid-d' }))],
    ['expired', () => sign(claims({ sub: 'dan', sid: 'sid-d', iat: now() - 600, exp: now() - 300 }))],
    ['issued too long ago', () => sign(claims({ sub: 'dan', sid: 'sid-d', iat: now() - 3600, exp: now() + 3600 }))],
    ['for another audience', () => sign(claims({ sub: 'dan', sid: 'sid-d', aud: 'someone-else' }))],
    ['from another issuer', () => sign(claims({ sub: 'dan', sid: 'sid-d', iss: 'https://evil.example' }))],
    ['without the logout event', () => sign(claims({ sub: 'dan', sid: 'sid-d', events: { 'http://example/other': {} } }))],
    ['without events', () => sign(claims({ sub: 'dan', sid: 'sid-d', events: undefined }))],
    ['with a nonce', () => sign(claims({ sub: 'dan', sid: 'sid-d', nonce: 'n' }))],
    ['naming neither sub nor sid', () => sign(claims({}))],
    ['without exp', () => sign(claims({ sub: 'dan', sid: 'sid-d', exp: undefined }))],
    ['without jti', () => sign(claims({ sub: 'dan', sid: 'sid-d', jti: undefined }))],
    ['typed as an access token', () => sign(claims({ sub: 'dan', sid: 'sid-d' }), { typ: 'at+jwt' })],
    ['unsigned (alg none)', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims({ sub: 'dan', sid: 'sid-d' }))).toString('base64url')}.`],
    ['not a JWT', async () => 'not-a-token'],
  ];
  for (const [what, make] of refused) {
    it(`refuses a logout token ${what} with 400 and ends nothing`, async () => {
      const victim = await signedIn('dan', 'sid-d');
      const r = await post({ logout_token: await make() });
      assert.equal(r.status, 400);
      assert.equal((JSON.parse(r.body) as { error: string }).error, 'invalid_request');
      assert.equal((await store.load(ctxOf(victim))).state, 'ok');
    });
  }

  it('refuses a request without a logout token, and anything but POST', async () => {
    assert.equal((await post({})).status, 400);
    assert.equal((await post('logout_token=', 'POST')).status, 400);
    const get = await request(url);
    await get.body.dump();
    assert.equal(get.statusCode, 405);
  });
});
