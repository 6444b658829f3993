// Two replicas sharing one Redis: a session made on one works on the other, sign-out on either ends
// it everywhere (the old cookie replayed is signed out), and sign-in never adopts a planted ticket.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifySignedValue } from '../../src/session/signed-value.js';
import { createClient } from '../support/http-client.js';
import { freePort, REFUSED_PORT } from '../support/ports.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { COOKIE, startTwinStack, type TwinStack } from '../support/redis-stack.js';
import { runBin } from '../support/spawn.js';
import { baseArgs } from '../support/proxy.js';

function ticketIdOf(stack: TwinStack, cookie: string): string {
  const payload = verifySignedValue(COOKIE, cookie, stack.cookieSecret, 0, Date.now());
  assert.ok(payload);
  const [v, id] = payload.toString('utf8').split('.');
  assert.equal(v, 'v2');
  return Buffer.from(id!, 'base64url').toString('utf8');
}

describe('redis sessions shared by two replicas', () => {
  let redis: RedisServer;
  let stack: TwinStack;
  before(async () => {
    redis = await startRedis();
    stack = await startTwinStack({ args: ['--session-store-type=redis', `--redis-connection-url=${redis.url}`] });
  });
  after(async () => {
    await stack?.close();
    await redis?.stop();
  });

  it('keeps only a small signed ticket in the browser, and the session works on the other replica', async () => {
    const cookie = await stack.signIn(createClient(), stack.a, 'alice');
    assert.ok(cookie.length < 200, `cookie is ${cookie.length} characters`);
    assert.match(ticketIdOf(stack, cookie), /^_oauth2_proxy-[0-9a-f]{32}$/);
    for (const proxy of [stack.a, stack.b]) {
      const r = await stack.get(proxy, cookie, '/hello');
      assert.equal(r.status, 200);
      const seen = JSON.parse(r.body) as { headers: Record<string, string> };
      assert.equal(seen.headers['x-forwarded-user'], 'alice');
      assert.equal(seen.headers['x-forwarded-email'], 'alice@example.com');
    }
  });

  it('signs out on one replica and the replayed cookie is refused on both', async () => {
    const cookie = await stack.signIn(createClient(), stack.a, 'bob');
    assert.equal((await stack.get(stack.b, cookie)).status, 200);
    const out = await stack.get(stack.b, cookie, '/oauth2/sign_out');
    assert.equal(out.status, 302);
    assert.ok(out.setCookies.some((c) => c.startsWith(`${COOKIE}=;`) && /Max-Age=0/.test(c)));
    assert.equal(await redis.client().exists(ticketIdOf(stack, cookie)), 0);
    for (const proxy of [stack.a, stack.b]) {
      const replay = await stack.get(proxy, cookie, '/', { accept: 'application/json' });
      assert.equal(replay.status, 401);
      // The dead cookie is expired in the browser as well.
      assert.ok(replay.setCookies.some((c) => c.startsWith(`${COOKIE}=;`)));
    }
  });

  it('mints a fresh ticket at sign-in; a planted ticket is neither adopted nor left alive', async () => {
    const attacker = await stack.signIn(createClient(), stack.a, 'bob');
    const victim = createClient();
    victim.cookies.set(`127.0.0.1:${stack.a.port}`, new Map([[COOKIE, attacker]]));
    const after = await stack.signIn(victim, stack.a, 'alice');
    assert.notEqual(after, attacker);
    assert.notEqual(ticketIdOf(stack, after), ticketIdOf(stack, attacker));
    const seen = JSON.parse((await stack.get(stack.b, after)).body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-forwarded-user'], 'alice');
    assert.equal((await stack.get(stack.a, attacker, '/', { accept: 'application/json' })).status, 401);
  });

  it('reports ready while Redis answers', async () => {
    assert.equal((await stack.get(stack.a, undefined, '/ready')).status, 200);
  });

  it('probes Redis in --config-test and at start, naming the flag when it cannot', async () => {
    const common = baseArgs({ issuer: stack.idp.issuer, upstream: stack.echo.url, extra: ['--session-store-type=redis'] });
    const ok = await runBin([...common, `--redis-connection-url=${redis.url}`, '--config-test']);
    assert.equal(ok.code, 0, ok.stderr);
    const dead = `redis://:s3cret-pw@127.0.0.1:${REFUSED_PORT}`;
    for (const extra of [['--config-test'], [`--http-address=127.0.0.1:${await freePort()}`]]) {
      const r = await runBin([...common, `--redis-connection-url=${dead}`, ...extra]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--redis-connection-url: cannot use Redis: .*ECONNREFUSED/);
      assert.doesNotMatch(r.stderr + r.stdout, /s3cret-pw/);
    }
    const invalid = await runBin([...common, '--redis-use-sentinel', '--redis-use-cluster', '--redis-connection-url=http://x']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /--redis-use-sentinel: cannot be combined with --redis-use-cluster/);
  });
});
