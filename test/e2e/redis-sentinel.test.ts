// Sentinel failover during traffic: two replicas find the primary through three sentinels; a forced
// failover (SENTINEL FAILOVER) and then a crashed primary (SIGKILL) each move the primary role,
// and every session survives. The failover time and the requests that failed meanwhile are measured.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createClient } from '../support/http-client.js';
import { startSentinelSet, until, type RedisServer, type SentinelSet } from '../support/redis.js';
import { startTwinStack, type TwinStack } from '../support/redis-stack.js';

const MAX_TRAFFIC_REQUESTS = 5000;
const MAX_TRAFFIC_MS = 40_000;

describe('Sentinel failover during traffic', () => {
  let set: SentinelSet;
  let stack: TwinStack;
  let sentinel: Redis;
  before(async () => {
    set = await startSentinelSet();
    sentinel = set.sentinels[1]!.client();
    stack = await startTwinStack({
      args: ['--session-store-type=redis', '--redis-use-sentinel', `--redis-sentinel-master-name=${set.masterName}`, ...set.sentinelUrls.map((u) => `--redis-sentinel-connection-urls=${u}`)],
    });
  });
  after(async () => {
    await stack?.close();
    await set?.stop();
  });

  const serverOn = (port: number): RedisServer => (set.primary.port === port ? set.primary : set.replica);

  /** Runs traffic while `disrupt` happens; returns what the clients saw. */
  async function duringTraffic(cookies: string[], disrupt: () => Promise<void>) {
    let stop = false;
    let sent = 0;
    const failures: Array<{ at: number; status: number }> = [];
    const deadline = Date.now() + MAX_TRAFFIC_MS;
    const workers = [0, 1].map(async (w) => {
      while (!stop && sent < MAX_TRAFFIC_REQUESTS && Date.now() < deadline) {
        const i = sent++;
        const r = await stack.get(w === 0 ? stack.a : stack.b, cookies[i % cookies.length], `/t/${i}`);
        if (r.status !== 200) failures.push({ at: Date.now(), status: r.status });
      }
    });
    await disrupt();
    stop = true;
    await Promise.all(workers);
    return { sent, failures };
  }

  async function failover(t: { diagnostic(m: string): void }, label: string, cookies: string[], trigger: (primary: RedisServer) => Promise<void>) {
    const oldPort = await set.primaryPort();
    const primary = serverOn(oldPort);
    // Sessions written so far are on the replica before the primary goes away.
    // Sentinel turns a demoted primary into a replica only at its next 10 s check; do it now.
    const other = primary === set.primary ? set.replica : set.primary;
    if ((await other.client().info('replication')).includes('role:master')) await other.client().call('REPLICAOF', '127.0.0.1', String(oldPort));
    await until('the replica to follow the primary', async () => /slave0:.*state=online/.test(await primary.client().info('replication')));
    assert.equal(await primary.client().call('WAIT', '1', '2000'), 1);
    let switchedMs = 0;
    let servingMs = 0;
    const { sent, failures } = await duringTraffic(cookies, async () => {
      const started = Date.now();
      await trigger(primary);
      await until('the sentinels to name a new primary', async () => (await set.primaryPort()) !== oldPort, 30_000);
      switchedMs = Date.now() - started;
      await until('both replicas to serve every session again', async () => {
        for (const c of cookies) {
          for (const p of [stack.a, stack.b]) if ((await stack.get(p, c)).status !== 200) return false;
        }
        return true;
      }, 30_000);
      servingMs = Date.now() - started;
    });
    t.diagnostic(`${label}: primary moved in ${switchedMs} ms, all sessions served again after ${servingMs} ms; ${sent} requests, ${failures.length} failed (${[...new Set(failures.map((f) => f.status))].join(', ') || 'none'})`);
    assert.deepEqual(failures.filter((f) => f.status !== 503), [], 'failures are 503s only, never a sign-out');
    return oldPort;
  }

  it('keeps every session through a forced failover and through a crashed primary', async (t) => {
    const cookies = [
      await stack.signIn(createClient(), stack.a, 'alice'),
      await stack.signIn(createClient(), stack.b, 'bob'),
    ];

    await failover(t, 'SENTINEL FAILOVER', cookies, async () => {
      assert.equal(await sentinel.call('SENTINEL', 'FAILOVER', set.masterName), 'OK');
    });
    // A new sign-in is written to the new primary, and refreshes of old sessions keep working.
    cookies.push(await stack.signIn(createClient(), stack.b, 'alice'));

    const crashed = await failover(t, 'primary killed', cookies, (primary) => primary.kill());
    for (const c of cookies) {
      for (const p of [stack.a, stack.b]) {
        const seen = JSON.parse((await stack.get(p, c, '/who')).body) as { headers: Record<string, string> };
        assert.ok(['alice', 'bob'].includes(seen.headers['x-forwarded-user'] ?? ''));
      }
    }
    await serverOn(crashed).restart();
    assert.equal((await stack.get(stack.a, undefined, '/ready')).status, 200);
  });
});
