// The identity assertion signer on its own: claims, key files, and the per-session token cache.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';

import {
  assertionKeyProblem, createIdentityAssertion, defaultAssertionIssuer, generatedAssertionKey, readAssertionKey,
} from '../../src/upstream/assertion.js';
import type { SessionState } from '../../src/session/state.js';

const dir = mkdtempSync(join(tmpdir(), 'assertion-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function pemFile(name: string, pem: string): string {
  const p = join(dir, name);
  writeFileSync(p, pem);
  return p;
}

const session = (over: Partial<SessionState> = {}): SessionState => ({
  user: 'alice', email: 'alice@example.com', groups: ['admins', 'developers'], preferredUsername: 'alice.a', createdAt: 0, expiresOn: 0, ...over,
});

describe('identity assertion', () => {
  it('signs the session claims for the audience, verifiable against its own JWKS', async () => {
    const a = createIdentityAssertion({ key: generatedAssertionKey(), issuer: 'https://proxy.example.com' });
    const token = await a.token(session(), 'http://app:8080');
    const jwks = JSON.parse(await a.jwks()) as JSONWebKeySet;
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.d, undefined, 'no private part in the JWKS');
    assert.equal(jwks.keys[0]!.alg, 'ES256');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'https://proxy.example.com', audience: 'http://app:8080' });
    assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.email, 'alice@example.com');
    assert.deepEqual(payload.groups, ['admins', 'developers']);
    assert.equal(payload.preferred_username, 'alice.a');
    assert.equal(payload.exp! - payload.iat!, 60);
  });

  it('leaves out claims the session does not have', async () => {
    const a = createIdentityAssertion({ key: generatedAssertionKey(), issuer: 'x' });
    const { payload } = await jwtVerify(await a.token(session({ email: '', groups: [], preferredUsername: undefined }), 'aud'),
      createLocalJWKSet(JSON.parse(await a.jwks()) as JSONWebKeySet), { issuer: 'x', audience: 'aud' });
    assert.deepEqual(Object.keys(payload).sort(), ['aud', 'exp', 'iat', 'iss', 'sub']);
  });

  it('reuses a token while at least 30 s of it are left, synchronously, then signs a new one', async () => {
    let now = 1_700_000_000_000;
    const a = createIdentityAssertion({ key: generatedAssertionKey(), issuer: 'x', now: () => now });
    const s = session();
    const first = a.token(s, 'aud');
    assert.ok(first instanceof Promise, 'the first request signs');
    assert.equal(a.token(s, 'aud'), first, 'concurrent requests share one signature');
    const t1 = await first;
    now += 29_000;
    assert.equal(a.token(s, 'aud'), t1, 'a cached token is returned as a plain string');
    now += 1_000;
    const next = a.token(s, 'aud');
    assert.ok(next instanceof Promise, 'with 30 s left it is renewed');
    const t2 = await next;
    assert.notEqual(t2, t1);
    assert.equal(decodeIat(t2) - decodeIat(t1), 30);
    // Per audience and per session object.
    assert.notEqual(await a.token(s, 'other'), t2);
    assert.ok(a.token(session(), 'aud') instanceof Promise, 'an equal but different session object signs its own');
  });

  it('signs with EdDSA from an Ed25519 key file and with ES256 from a P-256 one', async () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    for (const [pem, alg] of [[ed, 'EdDSA'], [ec, 'ES256']] as const) {
      const key = readAssertionKey(pemFile(`${alg}.pem`, pem));
      assert.equal(key.alg, alg);
      const a = createIdentityAssertion({ key, issuer: 'x' });
      const token = await a.token(session(), 'aud');
      assert.equal(decodeProtectedHeader(token).alg, alg);
      await jwtVerify(token, createLocalJWKSet(JSON.parse(await a.jwks()) as JSONWebKeySet), { issuer: 'x', audience: 'aud' });
    }
  });

  it('explains unusable key files', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const pub = generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    assert.match(assertionKeyProblem(pemFile('rsa.pem', rsa))!, /holds an rsa key; use an EC P-256 \(ES256\) or Ed25519/);
    assert.match(assertionKeyProblem(pemFile('p384.pem', p384))!, /holds an ec secp384r1 key/);
    assert.match(assertionKeyProblem(pemFile('pub.pem', pub))!, /does not hold an unencrypted PEM private key/);
    assert.match(assertionKeyProblem(pemFile('junk.pem', 'hello'))!, /does not hold/);
    assert.match(assertionKeyProblem(join(dir, 'missing.pem'))!, /cannot read .*ENOENT/);
  });

  it('derives the default issuer from an absolute redirect URL only', () => {
    assert.equal(defaultAssertionIssuer('https://auth.example.com:8443/oauth2/callback'), 'https://auth.example.com:8443');
    assert.equal(defaultAssertionIssuer('/oauth2/callback'), undefined);
    assert.equal(defaultAssertionIssuer(''), undefined);
  });
});

function decodeIat(token: string): number {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number }).iat;
}
