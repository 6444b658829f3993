// Redis killed during traffic: requests with a session get a clear 503 (their cookie untouched),
// /ready fails, the process stays up; Redis started again on the same port and data directory
// brings every session back without anyone signing in again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClient, type ClientResponse } from '../support/http-client.js';
import { startRedis, until, type RedisServer } from '../support/redis.js';
import { COOKIE, startTwinStack, type TwinStack } from '../support/redis-stack.js';

const MAX_TRAFFIC_REQUESTS = 2000;
const MAX_TRAFFIC_MS = 30_000;

describe('Redis outage and recovery', () => {
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

  it('answers 503 without clearing cookies while Redis is down, and recovers on its own', async (t) => {
    const alice = await stack.signIn(createClient(), stack.a, 'alice');
    const bob = await stack.signIn(createClient(), stack.b, 'bob');

    // Background traffic over both replicas until told to stop (bounded in count and time).
    const statuses = new Map<number, number>();
    const cleared: ClientResponse[] = [];
    let stop = false;
    let sent = 0;
    const deadline = Date.now() + MAX_TRAFFIC_MS;
    const traffic = (async () => {
      while (!stop && sent < MAX_TRAFFIC_REQUESTS && Date.now() < deadline) {
        const i = sent++;
        const r = await stack.get(i % 2 === 0 ? stack.a : stack.b, i % 3 === 0 ? bob : alice, `/traffic/${i}`);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.setCookies.some((c) => c.startsWith(`${COOKIE}=`))) cleared.push(r);
      }
    })();

    await until('traffic to flow', async () => (statuses.get(200) ?? 0) >= 10);
    await redis.kill();
    await until('a 503 while Redis is down', async () => (statuses.get(503) ?? 0) > 0);

    const page = await stack.get(stack.a, alice, '/during-outage');
    assert.equal(page.status, 503);
    assert.match(page.body, /session store is unreachable/);
    assert.equal(page.setCookies.length, 0, 'the session cookie is left alone');
    const api = await stack.get(stack.b, alice, '/during-outage', { accept: 'application/json' });
    assert.equal(api.status, 503);
    assert.equal((await stack.get(stack.a, undefined, '/ready')).status, 500);
    // Without a session nothing needs Redis: the sign-in page still works.
    assert.equal((await stack.get(stack.a, undefined, '/')).status, 403);

    const restartedAt = Date.now();
    await redis.restart();
    await until('sessions to work again', async () =>
      (await stack.get(stack.a, alice, '/after')).status === 200 && (await stack.get(stack.b, bob, '/after')).status === 200);
    const recoveryMs = Date.now() - restartedAt;
    stop = true;
    await traffic;

    t.diagnostic(`outage: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, recovered ${recoveryMs} ms after restart`);
    assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 503), []);
    assert.equal(cleared.length, 0, 'no response set or cleared the session cookie');
    assert.equal((await stack.get(stack.b, undefined, '/ready')).status, 200);
    for (const proxy of [stack.a, stack.b]) {
      const seen = JSON.parse((await stack.get(proxy, alice, '/whoami')).body) as { headers: Record<string, string> };
      assert.equal(seen.headers['x-forwarded-user'], 'alice');
    }
  });
});
