// The session-store contract against a Redis that speaks only TLS (rediss://), trusting its CA
// through --redis-ca-path; and the two ways a TLS connection can go: a server whose certificate the
// given CA did not sign is refused when the proxy starts, and --redis-insecure-skip-tls-verify
// connects without any CA.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createLog } from '../../src/log.js';
import type { RedisSessionStore } from '../../src/session/redis-store.js';
import { createTestCa } from '../ops/certs.js';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { baseArgs } from '../support/proxy.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { apply, ctxOf, redisStore, session, storeContract, type Clock } from './store-contract.js';

const USER = 'sidecar';
const PASSWORD = 'tls-acl-pass-4417';

describe('redis store over TLS', () => {
  const clock: Clock = { now: Date.now() };
  let server: RedisServer;
  let store: RedisSessionStore;
  let url: string;
  before(async () => {
    server = await startRedis({ tls: true, acl: { user: USER, password: PASSWORD } });
    url = `rediss://127.0.0.1:${server.port}`;
    store = await redisStore({ redisConnectionUrl: url, redisUsername: USER, redisPassword: PASSWORD, redisCaPath: server.caPath! }, clock);
  });
  after(async () => {
    await store?.close();
    await server?.stop();
  });
  storeContract(() => ({ name: 'redis-tls', store: () => store, clock }));

  it('is really TLS: the server refuses a plain connection on the same port', async () => {
    await assert.rejects(redisStore({ redisConnectionUrl: `redis://127.0.0.1:${server.port}`, redisUsername: USER, redisPassword: PASSWORD }, clock));
  });

  it('connects with --redis-insecure-skip-tls-verify and no CA', async () => {
    const insecure = await redisStore({ redisConnectionUrl: url, redisUsername: USER, redisPassword: PASSWORD, redisInsecureSkipTlsVerify: true }, clock);
    try {
      const jar = apply(new Map(), await insecure.save(ctxOf(new Map()), session('erin', 'sid-e'), { fresh: true }));
      // The same server: the store that verifies the certificate reads it back.
      const loaded = await store.load(ctxOf(jar));
      assert.equal(loaded.state === 'ok' && loaded.session.user, 'erin');
    } finally {
      await insecure.close();
    }
  });

  describe('at start-up', () => {
    let idp: DevIdp;
    let other: ReturnType<typeof createTestCa>;
    let dir: string;
    before(async () => {
      idp = await startTestIdp();
      other = createTestCa();
      dir = mkdtempSync(join(tmpdir(), 'sidecar-redis-ca-'));
      writeFileSync(join(dir, 'other-ca.crt'), other.caCert);
    });
    after(async () => {
      await idp?.close();
      if (other) rmSync(other.dir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Builds the app as main does and runs its start-up; resolves with the error, if any, and the log. */
    async function startUp(extra: string[]): Promise<{ error: string | undefined; log: string }> {
      const loaded = loadConfig([
        ...baseArgs({ issuer: idp.issuer, upstream: 'http://127.0.0.1:9' }),
        '--session-store-type=redis', `--redis-connection-url=rediss://${USER}:${PASSWORD}@127.0.0.1:${server.port}`, ...extra,
      ], {});
      if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
      let text = '';
      const destination = new Writable({ write(chunk, _enc, done) { text += chunk.toString(); done(); } });
      const c = loaded.config;
      const log = createLog({ standardLogging: c.standardLogging, authLogging: c.authLogging, requestLogging: c.requestLogging, destination });
      const app = createApp(c, { log, version: 'test' });
      try {
        await app.init();
        return { error: undefined, log: text };
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err), log: text };
      } finally {
        await app.close();
      }
    }

    it('starts with the right CA', async () => {
      const r = await startUp([`--redis-ca-path=${server.caPath!}`]);
      assert.equal(r.error, undefined);
    });

    it('refuses a server certificate the given CA did not sign, naming the flag and no secret', async () => {
      for (const extra of [[`--redis-ca-path=${join(dir, 'other-ca.crt')}`], []]) {
        const r = await startUp(extra);
        assert.ok(r.error !== undefined, `started with ${extra.join(' ') || 'the system roots only'}`);
        assert.match(r.error, /^--redis-connection-url: cannot use Redis: /);
        assert.match(r.error, /certificate/i);
        assert.match(r.error, /--redis-ca-path/);
        assert.doesNotMatch(r.error + r.log, new RegExp(PASSWORD));
      }
    });

    it('starts with --redis-insecure-skip-tls-verify whatever the CA', async () => {
      const r = await startUp([`--redis-ca-path=${join(dir, 'other-ca.crt')}`, '--redis-insecure-skip-tls-verify=true']);
      assert.equal(r.error, undefined);
    });
  });
});
