// Sessions issued by oauth2-proxy: read from its cookie and Redis formats, refused when altered or
// oversized, and stored again in ours on first use.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { compress, decompress } from 'lz4js';
import { makeSessionLoader } from '../../src/middleware/session.js';
import { createSessionCodec } from '../../src/session/codec.js';
import { createCookieSessionStore } from '../../src/session/cookie-store.js';
import { decodeLegacyCookiePayload, decodeLegacyRedisValue } from '../../src/session/legacy.js';
import { lz4FrameDecompress } from '../../src/session/lz4-frame.js';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { cookieSecretBytes } from '../../src/session/secret.js';
import { signValue } from '../../src/session/signed-value.js';
import { encodeTicket, mintTicket, openWithTicket } from '../../src/session/ticket.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { COOKIE_NAME, SECRET, apply, cookieOptions, ctxOf, redisStore, type Clock } from './store-contract.js';

const KEY = cookieSecretBytes(SECRET)!;

// Known answers made with vmihailenco/msgpack v5 and pierrec/lz4 v4 (the libraries oauth2-proxy
// uses) in oauth2-proxy's layout: the cookie payload under the key of SECRET (24 bytes), the
// Redis value under the ticket secret '0123456789abcdef'. Both hold the same session.
const GO_COOKIE_PAYLOAD =
  'd2ca0f57e9c43f84484259ba5e0165097f2983270d11ce0ccd544c036bab93f8a93d0d4ac5494461c125fb72105e841b9b4153a3979c6f613a6569f7f79a97021c3806604e03ba3b0258540fa53af168b1573ccb206b4734e3cb7401eee686e0013c97325091335d002bb7ee9f656530e229c7c6cfdec0740be699186adac1c1b2d7350281991c0dae933ee9029073a4d36b7f26524bc964b8a9d332713d032fb3f847';
const GO_REDIS_VALUE =
  '4936cd3cbc160ecb9e1e107ad6952957c2f3b2ab2daa3f0262ce48cbcb4d24388bf6dbccaf1e26a957869ca9f2dfc229ad2e102a1b32bb931164a2d2949a559441d18eb9db407d33744ad6a6f768e70b894697c89404d5788bcf9f0d3b8dc967844c79080d6bed4d82475f34ba665ffa3f3695afdc5ca1db0eee84087f252d0b6a9affbf4979a43269a4975d6db03cafc7a3215d86da500107744d8c5929b00f427fab24c56412a5';
const GO_LZ4_FRAME =
  '04224d186440a780000000f4028ba26361d7ff1d6f34546b0aa620a2656f0d00f505b430a26174a961742d6c6567616379a26974a9690d00447274a9720d00f03ba16ec40401020304a165b0646f7261406578616d706c652e636f6da175a8646f72612d737562a16792a661646d696e73a36f7073a27075a4646f7261a2616381a674656e616e74a274310000000020007af1';
const GO_MSGPACK =
  '8ba26361d7ff1d6f34546b0aa620a2656fd7ff1d6f34546b0ab430a26174a961742d6c6567616379a26974a969742d6c6567616379a27274a972742d6c6567616379a16ec40401020304a165b0646f7261406578616d706c652e636f6da175a8646f72612d737562a16792a661646d696e73a36f7073a27075a4646f7261a2616381a674656e616e74a27431';
const GO_CREATED = Date.UTC(2026, 10, 28, 10, 0, 0, 123);
const GO_SESSION = {
  user: 'dora-sub', email: 'dora@example.com', groups: ['admins', 'ops'], preferredUsername: 'dora',
  accessToken: 'at-legacy', idToken: 'it-legacy', refreshToken: 'rt-legacy', createdAt: GO_CREATED, expiresOn: GO_CREATED + 3600_000,
};

interface GoSession {
  ca?: Date; eo?: Date; at?: string; it?: string; rt?: string; n?: Uint8Array;
  e?: string; u?: string; g?: string[]; pu?: string; ac?: Record<string, unknown>;
}

/** MessagePack as oauth2-proxy writes it: struct keys in field order, times as the timestamp extension. */
function pack(s: GoSession): Buffer {
  const ordered: Record<string, unknown> = {};
  for (const k of ['ca', 'eo', 'at', 'it', 'rt', 'n', 'e', 'u', 'g', 'pu', 'ac'] as const) if (s[k] !== undefined) ordered[k] = s[k];
  return Buffer.from(encode(ordered));
}

function cfb(plain: Buffer, key: Buffer = KEY): Buffer {
  const iv = randomBytes(16);
  const c = createCipheriv(`aes-${key.length * 8}-cfb` as 'aes-256-cfb', key, iv);
  return Buffer.concat([iv, c.update(plain), c.final()]);
}

function legacyPayload(s: GoSession, key: Buffer = KEY): Buffer {
  return cfb(Buffer.from(compress(pack(s))), key);
}

function legacyCookie(payload: Buffer, nowMs = Date.now()): string {
  return signValue(COOKIE_NAME, payload, SECRET, nowMs);
}

function goSession(user: string, extra: GoSession = {}): GoSession {
  const ca = new Date(Date.now() - 60_000);
  return {
    ca, eo: new Date(ca.getTime() + 3600_000), at: `at-${user}`, it: `it-${user}`, rt: `rt-${user}`, n: new Uint8Array([9, 8, 7]),
    e: `${user}@example.com`, u: `${user}-sub`, g: ['admins', 'developers'], pu: user, ac: { tenant: 't1' }, ...extra,
  };
}

describe('known answers from the Go libraries', () => {
  it('the timestamp extension is what both sides write for times', () => {
    const ours = pack({ ca: new Date(GO_CREATED) });
    assert.equal(ours.subarray(4, 6).toString('hex'), 'd7ff', 'timestamp 64 extension, type -1');
    assert.ok(Buffer.from(GO_MSGPACK, 'hex').includes(Buffer.from('a26361d7ff', 'hex')), 'Go wrote ca the same way');
  });

  it('decompresses the Go LZ4 frame (64 KB blocks, independent, content checksum) to the Go MessagePack', () => {
    assert.equal(lz4FrameDecompress(Buffer.from(GO_LZ4_FRAME, 'hex'), 1 << 20)?.toString('hex'), GO_MSGPACK);
  });

  it('reads the Go cookie payload', () => {
    assert.deepEqual(decodeLegacyCookiePayload(Buffer.from(GO_COOKIE_PAYLOAD, 'hex'), KEY), GO_SESSION);
  });

  it('reads the Go Redis value with the ticket secret, and nothing with another', () => {
    assert.deepEqual(decodeLegacyRedisValue(Buffer.from(GO_REDIS_VALUE, 'hex'), Buffer.from('0123456789abcdef')), GO_SESSION);
    assert.equal(decodeLegacyRedisValue(Buffer.from(GO_REDIS_VALUE, 'hex'), Buffer.from('0123456789abcdeX')), undefined);
  });
});

describe('legacy cookie payloads', () => {
  it('maps every field, for 16, 24 and 32-byte keys', () => {
    for (const key of [randomBytes(16), randomBytes(24), randomBytes(32)]) {
      const g = goSession('erin');
      const s = decodeLegacyCookiePayload(legacyPayload(g, key), key);
      assert.deepEqual(s, {
        user: 'erin-sub', email: 'erin@example.com', groups: ['admins', 'developers'], preferredUsername: 'erin',
        accessToken: 'at-erin', idToken: 'it-erin', refreshToken: 'rt-erin', createdAt: g.ca!.getTime(), expiresOn: g.eo!.getTime(),
      });
    }
  });

  it('reads a minimal session (no tokens, no expiry) and an uncompressed one', () => {
    const ca = new Date(1_700_000_000_000);
    const minimal = decodeLegacyCookiePayload(legacyPayload({ ca, e: 'f@example.com', u: 'f' }), KEY);
    assert.deepEqual(minimal, { user: 'f', email: 'f@example.com', groups: [], createdAt: ca.getTime(), expiresOn: 0 });
    assert.deepEqual(decodeLegacyCookiePayload(cfb(pack({ ca, u: 'g' })), KEY), { user: 'g', email: '', groups: [], createdAt: ca.getTime(), expiresOn: 0 });
  });

  it('refuses the wrong key, wrong shapes and garbage, without throwing', () => {
    const ca = new Date();
    const cases: Array<[string, Buffer]> = [
      ['wrong key', legacyPayload(goSession('h'), randomBytes(24))],
      ['empty', Buffer.alloc(0)],
      ['only an IV', randomBytes(16)],
      ['random bytes', randomBytes(300)],
      ['no creation time', legacyPayload({ u: 'x' })],
      ['times as numbers', cfb(Buffer.from(compress(Buffer.from(encode({ ca: 1_700_000_000, u: 'x' })))))],
      ['groups not strings', legacyPayload({ ca, g: [1, 2] as unknown as string[] })],
      ['email a number', legacyPayload({ ca, e: 5 as unknown as string })],
      ['nonce a string', legacyPayload({ ca, n: 'x' as unknown as Uint8Array })],
      ['an array, not a map', cfb(Buffer.from(compress(Buffer.from(encode([ca, 'x'])))))],
      ['trailing bytes after the map', cfb(Buffer.concat([pack({ ca, u: 'x' }), Buffer.from([0xc0])]))],
      ['truncated frame', cfb(Buffer.from(compress(pack(goSession('i')))).subarray(0, 40))],
      ['JSON', cfb(Buffer.from(JSON.stringify({ ca: 1, u: 'x' })))],
    ];
    for (const [name, payload] of cases) assert.equal(decodeLegacyCookiePayload(payload, KEY), undefined, name);
    // Every prefix and every single-bit flip of a good payload: refused or decoded, never thrown.
    const good = legacyPayload(goSession('j'));
    for (let i = 0; i < good.length; i++) {
      decodeLegacyCookiePayload(good.subarray(0, i), KEY);
      const flipped = Buffer.from(good);
      flipped[i]! ^= 1 << (i % 8);
      decodeLegacyCookiePayload(flipped, KEY);
    }
  });

  it('refuses decompression bombs within a bounded amount of work', () => {
    const started = process.hrtime.bigint();
    // 16 MiB of zeros in a few tens of KiB of frame.
    const zeros = Buffer.from(compress(new Uint8Array(16 << 20)));
    assert.ok(zeros.length < 200_000);
    assert.equal(decodeLegacyCookiePayload(cfb(zeros), KEY), undefined);
    // A single hand-made block whose one match runs for ~2.5 MiB.
    const ext = Buffer.alloc(10_000, 255);
    ext[ext.length - 1] = 0;
    const block = Buffer.concat([Buffer.from([0x1f, 0x00, 0x01, 0x00]), ext, Buffer.from([0x10, 0x00])]);
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x40, 0x70, 0x00]);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(block.length);
    const frame = Buffer.concat([header, size, block, Buffer.alloc(4)]);
    assert.equal(lz4FrameDecompress(frame, 1 << 20), undefined);
    assert.equal(lz4FrameDecompress(frame, 4 << 20)?.length, 1 + 4 + 255 * 9_999 + 15 + 1);
    assert.equal(decodeLegacyCookiePayload(cfb(frame), KEY), undefined);
    // A declared content size over the limit is refused before anything is written.
    const declared = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x48, 0x40]), Buffer.from('0000000001000000', 'hex'), Buffer.from([0, 0, 0, 0, 0])]);
    assert.equal(lz4FrameDecompress(declared, 1 << 20), undefined);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2000, `took ${ms} ms`);
  });

  it('decodes what lz4js writes, across several blocks', () => {
    const data = Buffer.concat(Array.from({ length: 40 }, (_, i) => Buffer.concat([randomBytes(3000), Buffer.alloc(2000, i)])));
    const frame = Buffer.from(compress(data));
    assert.deepEqual(lz4FrameDecompress(frame, 1 << 20), data);
    assert.deepEqual(Buffer.from(decompress(frame)), data);
    assert.equal(lz4FrameDecompress(frame, data.length - 1), undefined);
  });
});

describe('cookie store fallback', () => {
  const clock: Clock = { now: Date.now() };
  const store = createCookieSessionStore(cookieOptions(clock));

  it('loads a signed legacy cookie, flagged for re-saving, and the re-save is ours', async () => {
    const cookies = new Map([[COOKIE_NAME, legacyCookie(legacyPayload(goSession('kim')), clock.now)]]);
    const r = await store.load(ctxOf(cookies));
    assert.equal(r.state, 'ok');
    assert.ok(r.state === 'ok' && r.legacy === true);
    assert.equal(r.session.email, 'kim@example.com');
    const jar = apply(cookies, await store.save(ctxOf(cookies), r.session, { fresh: false }));
    const again = await store.load(ctxOf(jar));
    assert.ok(again.state === 'ok' && again.legacy === undefined);
    assert.deepEqual(again.session, r.session);
  });

  it('refuses a legacy payload with a forged signature or under another name, before decrypting it', async () => {
    const payload = legacyPayload(goSession('lee'));
    const forged = signValue(COOKIE_NAME, payload, 'another-secret-of-32-characters!', clock.now);
    assert.deepEqual(await store.load(ctxOf(new Map([[COOKIE_NAME, forged]]))), { state: 'invalid', reason: 'signature invalid or expired' });
    const renamed = signValue('_other', payload, SECRET, clock.now);
    assert.equal((await store.load(ctxOf(new Map([[COOKIE_NAME, renamed]])))).state, 'invalid');
  });

  it('a validly signed payload that is neither format is invalid', async () => {
    for (const payload of [randomBytes(200), cfb(randomBytes(200)), cfb(Buffer.from(compress(new Uint8Array(8 << 20))))]) {
      const r = await store.load(ctxOf(new Map([[COOKIE_NAME, legacyCookie(payload, clock.now)]])));
      assert.deepEqual(r, { state: 'invalid', reason: 'payload does not decrypt' });
    }
  });

  it('the session step stores a legacy session again once', async () => {
    const saved: string[][] = [];
    const loader = makeSessionLoader({
      store: { ...store, save: async (ctx, s, o) => { const lines = await store.save(ctx, s, o); saved.push(lines); return lines; } },
      provider: {} as never, cookieRefreshMs: 0, log: { auth() {}, info() {}, warn() {} } as never,
    });
    const value = legacyCookie(legacyPayload(goSession('max')), Date.now());
    const scope = { id: 'r1', clientIp: '127.0.0.1', setCookies: [] as string[] } as never as Parameters<typeof loader>[1];
    const req = { headers: { cookie: `${COOKIE_NAME}=${value}`, host: 'app.example.com' } } as never as Parameters<typeof loader>[0];
    const s = await loader(req, scope);
    assert.equal(s?.user, 'max-sub');
    assert.equal(saved.length, 1);
    assert.deepEqual((scope as unknown as { setCookies: string[] }).setCookies, saved[0]);
  });
});

describe('end to end: a browser signed in by oauth2-proxy', () => {
  let s: Stack;
  before(async () => { s = await startStack({}); });
  after(() => s?.close());

  const host = () => new URL(s.proxy.url).host;
  const codec = () => createSessionCodec({ cookieName: COOKIE_NAME, secret: s.cookieSecret, expireMs: 168 * 3600_000 });

  it('is let through with its identity and gets our cookie on the first request, then stays signed in', async () => {
    assert.equal(s.cookieSecret, SECRET);
    const client = s.newClient();
    client.cookies.set(host(), new Map([[COOKIE_NAME, legacyCookie(legacyPayload(goSession('nora')))]]));
    const r = await client.request(`${s.proxy.url}/private`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 200, r.body.slice(0, 300));
    const seen = JSON.parse(r.body);
    assert.equal(seen.headers['x-forwarded-user'], 'nora-sub');
    assert.equal(seen.headers['x-forwarded-email'], 'nora@example.com');
    assert.equal(seen.headers['x-forwarded-groups'], 'admins,developers');
    const line = r.setCookies.find((c) => c.startsWith(`${COOKIE_NAME}=`) && !/Max-Age=0/.test(c));
    assert.ok(line, 'session cookie rewritten');
    const ours = codec().decode(line.split(';')[0]!.slice(COOKIE_NAME.length + 1), Date.now());
    assert.equal(ours?.email, 'nora@example.com');
    assert.equal(ours?.accessToken, 'at-nora');

    const next = await client.request(`${s.proxy.url}/private`);
    assert.equal(next.status, 200);
    assert.equal(JSON.parse(next.body).headers['x-forwarded-user'], 'nora-sub');
    assert.deepEqual(next.setCookies, [], 'stored once');
  });

  it('reads a legacy split cookie and replaces the parts', async () => {
    const client = s.newClient();
    const groups = Array.from({ length: 200 }, (_, i) => `group-${i}-${randomBytes(6).toString('hex')}`);
    const value = legacyCookie(legacyPayload(goSession('olga', { g: groups })));
    assert.ok(value.length > 4000);
    const half = Math.ceil(value.length / 2);
    client.cookies.set(host(), new Map([[`${COOKIE_NAME}_0`, value.slice(0, half)], [`${COOKIE_NAME}_1`, value.slice(half)]]));
    const r = await client.request(`${s.proxy.url}/private`);
    assert.equal(r.status, 200, r.body.slice(0, 300));
    assert.equal(JSON.parse(r.body).headers['x-forwarded-groups'].split(',').length, 200);
    assert.ok(r.setCookies.some((c) => c.startsWith(`${COOKIE_NAME}_0=`) && !/Max-Age=0/.test(c)));
    const next = await client.request(`${s.proxy.url}/private`);
    assert.equal(next.status, 200);
    assert.deepEqual(next.setCookies, []);
  });

  it('a tampered legacy payload with a valid signature signs the user out, never a 500', async () => {
    // The first byte after the IV: the LZ4 magic no longer matches, and what remains is not a map.
    const payload = legacyPayload(goSession('pia'));
    payload[16]! ^= 0xff;
    const client = s.newClient();
    client.cookies.set(host(), new Map([[COOKIE_NAME, legacyCookie(payload)]]));
    const r = await client.request(`${s.proxy.url}/private`, { headers: { accept: 'text/html' } });
    assert.equal(r.status, 403);
    assert.ok(r.setCookies.some((c) => c.startsWith(`${COOKIE_NAME}=`) && /Max-Age=0/.test(c)), 'cleared');
  });
});

describe('redis store fallback', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let store: RedisSessionStore;
  before(async () => {
    server = await startRedis();
    store = await redisStore({ redisConnectionUrl: server.url }, clock);
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });

  /** What oauth2-proxy stores: AES-GCM under the ticket secret, nonce first, no associated data. */
  function goSeal(secret: Buffer, plain: Buffer): Buffer {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-128-gcm', secret, nonce);
    return Buffer.concat([nonce, c.update(plain), c.final(), c.getAuthTag()]);
  }

  it('loads a session oauth2-proxy stored under its ticket, and a re-save stores ours under the same key', async () => {
    const t = mintTicket(COOKIE_NAME);
    await server.client().set(t.id, goSeal(t.secret, pack(goSession('quinn'))), 'PX', 3600_000);
    const cookies = new Map([[COOKIE_NAME, signValue(COOKIE_NAME, Buffer.from(encodeTicket(t)), SECRET, clock.now)]]);
    const r = await store.load(ctxOf(cookies));
    assert.ok(r.state === 'ok' && r.legacy === true);
    assert.equal(r.session.email, 'quinn@example.com');
    assert.deepEqual(r.session.groups, ['admins', 'developers']);
    assert.equal(r.session.refreshToken, 'rt-quinn');

    await store.save(ctxOf(cookies), r.session, { fresh: false });
    const raw = await server.client().getBuffer(t.id);
    assert.ok(raw && openWithTicket(t, raw), 'now sealed in our format');
    const again = await store.load(ctxOf(cookies));
    assert.ok(again.state === 'ok' && again.legacy === undefined);
    assert.deepEqual(again.session, r.session);
  });

  it('loads the Go-made value under a ticket with its secret', async () => {
    const t = { id: `${COOKIE_NAME}-${randomBytes(16).toString('hex')}`, secret: Buffer.from('0123456789abcdef') };
    await server.client().set(t.id, Buffer.from(GO_REDIS_VALUE, 'hex'));
    const cookies = new Map([[COOKIE_NAME, signValue(COOKIE_NAME, Buffer.from(encodeTicket(t)), SECRET, clock.now)]]);
    const r = await store.load(ctxOf(cookies));
    assert.ok(r.state === 'ok' && r.legacy === true);
    assert.deepEqual(r.session, GO_SESSION);
  });

  it('a stored value that neither format opens is invalid', async () => {
    const t = mintTicket(COOKIE_NAME);
    await server.client().set(t.id, goSeal(randomBytes(16), pack(goSession('rae'))));
    const cookies = new Map([[COOKIE_NAME, signValue(COOKIE_NAME, Buffer.from(encodeTicket(t)), SECRET, clock.now)]]);
    assert.deepEqual(await store.load(ctxOf(cookies)), { state: 'invalid', reason: 'stored session does not decrypt' });
  });
});
