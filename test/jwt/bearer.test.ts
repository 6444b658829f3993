// Bearer JWT verification against an issuer served by the test (discovery + JWKS), with tokens
// signed here by jose: every way a token must be refused, and key rotation.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { createBearerVerifier } from '../../src/jwt/bearer.js';
import { createHmac } from 'node:crypto';

interface Issuer {
  url: string;
  keys: JWK[];
  jwksFetches: number;
  close(): Promise<void>;
}

async function startIssuer(): Promise<Issuer> {
  const state = { keys: [] as JWK[], jwksFetches: 0 };
  let url = '';
  const server: Server = createServer((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') return res.end(JSON.stringify({ issuer: url, jwks_uri: `${url}/jwks` }));
    if (req.url === '/jwks') {
      state.jwksFetches++;
      return res.end(JSON.stringify({ keys: state.keys }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get keys() { return state.keys; },
    set keys(k) { state.keys = k; },
    get jwksFetches() { return state.jwksFetches; },
    set jwksFetches(n) { state.jwksFetches = n; },
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  } as Issuer;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('bearer JWT verification', () => {
  let iss: Issuer;
  let k1: { privateKey: CryptoKey; pub: JWK };
  let k2: { privateKey: CryptoKey; pub: JWK };
  const AUD = 'api://orders';

  before(async () => {
    iss = await startIssuer();
    const make = async (kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair('RS256');
      return { privateKey, pub: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
    };
    k1 = await make('k1');
    k2 = await make('k2');
    iss.keys = [k1.pub];
  });
  after(() => iss.close());

  const sign = (claims: Record<string, unknown>, o: { key?: typeof k1; kid?: string; exp?: number | string } = {}) => {
    const key = o.key ?? k1;
    return new SignJWT({ email: 'svc@example.com', groups: ['ops'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: o.kid ?? String(key.pub.kid) })
      .setIssuer(String(claims.iss ?? iss.url))
      .setAudience((claims.aud as string) ?? AUD)
      .setSubject('svc-1')
      .setIssuedAt()
      .setExpirationTime(o.exp ?? '5m')
      .sign(key.privateKey);
  };
  const verifier = () => createBearerVerifier({ issuers: [{ issuer: iss.url, audiences: [AUD] }], emailClaim: 'email', groupsClaim: 'groups', allowUnverifiedEmail: false });

  it('accepts a valid token and maps its claims to a session', async () => {
    const r = await verifier().verify(await sign({}));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    if (r.ok) {
      assert.equal(r.session.user, 'svc-1');
      assert.equal(r.session.email, 'svc@example.com');
      assert.deepEqual(r.session.groups, ['ops']);
    }
  });

  const refusals: Array<[string, () => Promise<string>]> = [
    ['expired', () => sign({}, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['not yet valid', async () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss.url).setAudience(AUD).setSubject('x').setNotBefore('10m').setExpirationTime('20m').sign(k1.privateKey)],
    ['without exp', async () => new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss.url).setAudience(AUD).setSubject('x').sign(k1.privateKey)],
    ['wrong issuer', () => sign({ iss: 'http://127.0.0.1:1/other' })],
    ['wrong audience', () => sign({ aud: 'api://elsewhere' })],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: iss.url, aud: AUD, sub: 'x', exp: Math.floor(Date.now() / 1000) + 300 })}.`],
    ['HS256 keyed with the public key', async () => {
      const header = b64({ alg: 'HS256', kid: 'k1' });
      const payload = b64({ iss: iss.url, aud: AUD, sub: 'x', exp: Math.floor(Date.now() / 1000) + 300 });
      const sig = createHmac('sha256', JSON.stringify(k1.pub)).update(`${header}.${payload}`).digest('base64url');
      return `${header}.${payload}.${sig}`;
    }],
    ['HS256 keyed with the modulus', async () => {
      const header = b64({ alg: 'HS256', kid: 'k1' });
      const payload = b64({ iss: iss.url, aud: AUD, sub: 'x', exp: Math.floor(Date.now() / 1000) + 300 });
      const sig = createHmac('sha256', String(k1.pub.n)).update(`${header}.${payload}`).digest('base64url');
      return `${header}.${payload}.${sig}`;
    }],
    ['tampered payload', async () => {
      const [h, , sig] = (await sign({})).split('.');
      return `${h}.${b64({ iss: iss.url, aud: AUD, sub: 'admin', email: 'admin@example.com', exp: Math.floor(Date.now() / 1000) + 300 })}.${sig}`;
    }],
    ['signed by an unknown key', () => sign({}, { key: k2 })],
    ['unverified email', () => sign({ email_verified: false })],
    ['not a JWT', async () => 'abc.def'],
  ];
  for (const [name, make] of refusals) {
    it(`refuses a token ${name}`, async () => {
      const r = await verifier().verify(await make());
      assert.equal(r.ok, false);
    });
  }

  it('refetches the key set for an unknown kid, at most once per cooldown', async () => {
    iss.keys = [k1.pub];
    const v = createBearerVerifier({ issuers: [{ issuer: iss.url, audiences: [AUD] }], emailClaim: 'email', groupsClaim: 'groups', allowUnverifiedEmail: false, jwksCooldownMs: 60_000 });
    assert.ok((await v.verify(await sign({}))).ok);
    const fetched = iss.jwksFetches;
    for (let i = 0; i < 5; i++) assert.equal((await v.verify(await sign({ n: i }, { key: k2 }))).ok, false);
    assert.ok(iss.jwksFetches - fetched <= 1, `fetched ${iss.jwksFetches - fetched} times`);

    // With no cooldown, a rotated key is picked up on the first token that names it.
    const quick = createBearerVerifier({ issuers: [{ issuer: iss.url, audiences: [AUD] }], emailClaim: 'email', groupsClaim: 'groups', allowUnverifiedEmail: false, jwksCooldownMs: 0 });
    assert.ok((await quick.verify(await sign({}))).ok);
    iss.keys = [k1.pub, k2.pub];
    const r = await quick.verify(await sign({ rotated: true }, { key: k2 }));
    assert.ok(r.ok, r.ok ? '' : r.reason);
  });

  it('checks a repeated token once', async () => {
    const v = verifier();
    const token = await sign({ once: true });
    assert.ok((await v.verify(token)).ok);
    const fetched = iss.jwksFetches;
    iss.keys = [];
    assert.ok((await v.verify(token)).ok, 'served from the cache of verified tokens');
    assert.equal(iss.jwksFetches, fetched);
    iss.keys = [k1.pub];
  });
});
