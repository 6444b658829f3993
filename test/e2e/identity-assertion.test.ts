// --identity-assertion end to end: the upstream receives X-Auth-Request-Jwt and verifies it the way
// an app would, against the key set the proxy publishes at /oauth2/jwks.json.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';

import { loadConfig } from '../../src/config/index.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn, type HttpClient } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { baseArgs, startProxy, type RunningProxy } from '../support/proxy.js';
import { rawRequest } from '../support/raw-http.js';

const ISSUER = 'https://auth.example.com';
const FORGED = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl';

interface Seen { headers: Record<string, string | undefined> }

describe('signed identity assertion (X-Auth-Request-Jwt)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'identity-assertion-'));
  const keyFile = (name: string, kind: 'ec' | 'ed25519' | 'rsa'): string => {
    const { privateKey } = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
    const p = join(dir, name);
    writeFileSync(p, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    return p;
  };
  let idp: DevIdp;
  let echo: EchoUpstream;
  const proxies: RunningProxy[] = [];

  const start = async (extra: string[], port?: number): Promise<RunningProxy> => {
    const p = await startProxy(baseArgs({ issuer: idp.issuer, upstream: echo.url, extra }), {}, port);
    proxies.push(p);
    return p;
  };
  const signedIn = async (p: RunningProxy, username = 'alice'): Promise<HttpClient> => {
    const c = createClient();
    await signIn(c, { startUrl: `${p.url}/oauth2/start?rd=/`, username, password: DEMO_PASSWORD });
    return c;
  };
  const seen = async (c: HttpClient, url: string, headers: Record<string, string> = {}): Promise<Seen> => {
    const r = await c.request(url, { headers });
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as Seen;
  };
  const verify = (p: RunningProxy, token: string, opts: { issuer?: string; audience?: string } = {}) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${p.url}/oauth2/jwks.json`)), { issuer: opts.issuer ?? ISSUER, audience: opts.audience ?? echo.url });

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await echo?.close();
    await idp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('with a generated key', () => {
    let proxy: RunningProxy;
    let alice: HttpClient;
    before(async () => {
      proxy = await start(['--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`]);
      alice = await signedIn(proxy);
    });

    it('sends a JWT the app verifies against jwks.json, with the session claims', async () => {
      const token = (await seen(alice, `${proxy.url}/orders`)).headers['x-auth-request-jwt'];
      assert.ok(token, 'the upstream received X-Auth-Request-Jwt');
      const { payload, protectedHeader } = await verify(proxy, token);
      assert.equal(protectedHeader.alg, 'ES256');
      assert.ok(protectedHeader.kid);
      assert.equal(payload.iss, ISSUER);
      assert.equal(payload.aud, echo.url, 'the audience is the upstream origin');
      assert.equal(payload.sub, 'alice');
      assert.equal(payload.email, 'alice@example.com');
      assert.deepEqual(payload.groups, ['admins', 'developers']);
      assert.equal(payload.exp! - payload.iat!, 60);
      assert.ok(Math.abs(payload.iat! - Date.now() / 1000) < 5);
    });

    it('reuses the token for the session on the next requests', async () => {
      const a = (await seen(alice, `${proxy.url}/a`)).headers['x-auth-request-jwt'];
      const b = (await seen(alice, `${proxy.url}/b`)).headers['x-auth-request-jwt'];
      assert.equal(a, b);
    });

    it('replaces a client-sent X-Auth-Request-Jwt, whatever its spelling', async () => {
      const s = await seen(alice, `${proxy.url}/orders`, { 'X-Auth-Request-Jwt': FORGED, 'x_auth_request_jwt': FORGED });
      assert.notEqual(s.headers['x-auth-request-jwt'], FORGED);
      assert.equal(s.headers['x_auth_request_jwt'], undefined);
      await verify(proxy, s.headers['x-auth-request-jwt']!);
    });

    it('forwards nothing for an anonymous request and drops a client-sent one', async () => {
      const anon = await start(['--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`, '--skip-auth-route=^/public']);
      const r = await rawRequest(anon.port, { path: '/public', headers: { 'X-Auth-Request-Jwt': FORGED } });
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as Seen).headers['x-auth-request-jwt'], undefined);
    });

    it('sends it on a websocket handshake too, signing it there when the session has none yet', async () => {
      const carol = await signedIn(proxy, 'bob');
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/socket`, { headers: { cookie: carol.cookieHeader(proxy.url), 'X-Auth-Request-Jwt': FORGED } });
      const handshake = await new Promise<Seen>((resolve, reject) => {
        ws.once('message', (m) => resolve(JSON.parse(m.toString()) as Seen));
        ws.once('error', reject);
      });
      ws.close();
      const { payload } = await verify(proxy, handshake.headers['x-auth-request-jwt']!);
      assert.equal(payload.sub, 'bob');
    });

    it('serves the key set without a session, cacheable, and with the public key only', async () => {
      const r = await rawRequest(proxy.port, { path: '/oauth2/jwks.json' });
      assert.equal(r.status, 200);
      assert.equal(r.headers['cache-control'], 'public, max-age=300');
      assert.equal(r.headers['expires'], undefined);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      const jwks = JSON.parse(r.body) as { keys: Array<Record<string, string>> };
      assert.equal(jwks.keys.length, 1);
      assert.deepEqual(Object.keys(jwks.keys[0]!).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal((await rawRequest(proxy.port, { path: '/oauth2/jwks.json', method: 'POST' })).status, 405);
    });

    it('fails verification for a forged, re-signed, tampered or expired token', async () => {
      const good = (await seen(alice, `${proxy.url}/orders`)).headers['x-auth-request-jwt']!;
      await assert.rejects(verify(proxy, FORGED));
      // Signed by another key under the proxy's kid.
      const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const kid = decodeProtectedHeader(good).kid!;
      const now = Math.floor(Date.now() / 1000);
      const resigned = await new SignJWT({ email: 'mallory@example.com' }).setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(ISSUER).setAudience(echo.url).setSubject('admin').setIssuedAt(now).setExpirationTime(now + 60).sign(other);
      await assert.rejects(verify(proxy, resigned), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      const [h, p, sig] = good.split('.');
      const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as JWTPayload;
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${sig}`;
      await assert.rejects(verify(proxy, tampered), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
      // The proxy's own token, checked as if two minutes had passed.
      await assert.rejects(
        jwtVerify(good, createRemoteJWKSet(new URL(`${proxy.url}/oauth2/jwks.json`)), { issuer: ISSUER, audience: echo.url, currentDate: new Date((claims.exp! + 60) * 1000) }),
        { code: 'ERR_JWT_EXPIRED' },
      );
      await assert.rejects(verify(proxy, good, { audience: 'http://elsewhere' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
      await assert.rejects(verify(proxy, good, { issuer: 'https://other.example.com' }), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    });
  });

  it('never lets a client-sent X-Auth-Request-Jwt reach the upstream when the flag is off', async () => {
    const plain = await start([]);
    const bob = await signedIn(plain, 'bob');
    const s = await seen(bob, `${plain.url}/orders`, { 'X-Auth-Request-Jwt': FORGED });
    assert.equal(s.headers['x-auth-request-jwt'], undefined);
    assert.equal((await rawRequest(plain.port, { path: '/oauth2/jwks.json' })).status, 404);
  });

  for (const [kind, alg] of [['ec', 'ES256'], ['ed25519', 'EdDSA']] as const) {
    it(`signs with ${alg} from a ${kind} key file, one key set for replicas sharing it, and a fixed audience`, async () => {
      const file = keyFile(`${kind}.pem`, kind);
      const args = ['--identity-assertion=true', `--identity-assertion-key-file=${file}`, `--identity-assertion-issuer=${ISSUER}`, '--identity-assertion-audience=orders-app'];
      const one = await start(args);
      const two = await start(args);
      const token = (await seen(await signedIn(one), `${one.url}/orders`)).headers['x-auth-request-jwt']!;
      assert.equal(decodeProtectedHeader(token).alg, alg);
      // A token from one replica verifies against the other's key set.
      const { payload } = await verify(two, token, { audience: 'orders-app' });
      assert.equal(payload.sub, 'alice');
      assert.equal((await rawRequest(one.port, { path: '/oauth2/jwks.json' })).body, (await rawRequest(two.port, { path: '/oauth2/jwks.json' })).body);
    });
  }

  it('takes the issuer from an absolute --redirect-url', async () => {
    const port = await freePort();
    const p = await start(['--identity-assertion=true', `--redirect-url=http://127.0.0.1:${port}/oauth2/callback`], port);
    const token = (await seen(await signedIn(p), `${p.url}/orders`)).headers['x-auth-request-jwt']!;
    const { payload } = await verify(p, token, { issuer: `http://127.0.0.1:${port}` });
    assert.equal(payload.sub, 'alice');
  });

  it('refuses unusable settings at start-up, each error naming its flag, all at once', () => {
    const base = baseArgs({ issuer: 'https://idp.example.com', upstream: 'http://127.0.0.1:8080' });
    const errorsOf = (extra: string[]): string[] => {
      const r = loadConfig([...base, ...extra], {});
      assert.ok(!r.ok, 'refused');
      return r.errors;
    };
    const rsa = keyFile('rsa.pem', 'rsa');
    const garbage = join(dir, 'garbage.pem');
    writeFileSync(garbage, 'not a key');
    const errors = errorsOf(['--identity-assertion=true', `--identity-assertion-key-file=${rsa}`]);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /^--identity-assertion-key-file: .*holds an rsa key; use an EC P-256 \(ES256\) or Ed25519 \(EdDSA\) private key/);
    assert.match(errors[1]!, /^--identity-assertion-issuer: missing setting/);
    assert.match(errorsOf(['--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`, `--identity-assertion-key-file=${garbage}`])[0]!,
      /^--identity-assertion-key-file: .*does not hold an unencrypted PEM private key/);
    assert.match(errorsOf(['--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`, `--identity-assertion-key-file=${join(dir, 'nope.pem')}`])[0]!,
      /^--identity-assertion-key-file: cannot read .*ENOENT/);
    assert.match(errorsOf(['--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`, '--workers=2'])[0]!,
      /^--identity-assertion-key-file: missing setting \(required with --identity-assertion and --workers=2/);
    assert.ok(loadConfig([...base, '--identity-assertion=true', `--identity-assertion-issuer=${ISSUER}`], {}).ok);
  });
});
