// --workers N: the real executable forks N workers sharing the port; a dead worker is replaced, the
// metrics listener sums the workers, and SIGTERM stops the whole process tree.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';
import { runBin, startBin } from '../support/spawn.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const workerPids = (out: string) => [...out.matchAll(/worker started worker=(\d+) pid=(\d+)/g)].map((m) => Number(m[2]));

describe('--workers', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
  });
  after(async () => {
    await echo.close();
    await idp.close();
  });

  it('is validated as an integer of at least 1, naming the flag', async () => {
    for (const bad of ['0', '-2', 'two']) {
      const r = await runBin([`--workers=${bad}`, '--upstream=http://127.0.0.1:1', '--provider=oidc', '--oidc-issuer-url=http://127.0.0.1:1', '--client-id=x', '--client-secret=y', `--cookie-secret=${TEST_COOKIE_SECRET}`, '--email-domain=*']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /--workers/);
    }
  });

  it('serves from every worker, replaces a dead one, sums metrics, and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const p = await startBin([
      '--workers=2', `--http-address=127.0.0.1:${port}`, `--metrics-address=127.0.0.1:${metricsPort}`,
      `--upstream=${echo.url}`, '--provider=oidc', `--oidc-issuer-url=${idp.issuer}`, '--client-id=proxy', '--client-secret=proxy-secret',
      `--cookie-secret=${TEST_COOKIE_SECRET}`, '--email-domain=*', '--cookie-secure=false',
    ], {}, / workers running /);
    try {
      const pids = workerPids(p.output());
      assert.equal(pids.length, 2, p.output());
      assert.equal(new Set(pids).size, 2);
      assert.ok(!pids.includes(p.child.pid!), 'the workers are processes of their own');

      const base = `http://127.0.0.1:${port}`;
      const client = createClient();
      const { response } = await signIn(client, { startUrl: `${base}/oauth2/start?rd=%2Fhello`, username: 'alice', password: DEMO_PASSWORD });
      assert.equal(response.status, 302);
      // A session made by one worker is accepted by any: the cookie is all the state there is.
      for (let i = 0; i < 10; i++) assert.equal((await client.request(`${base}/hello/${i}`)).status, 200);

      // The primary sums the workers' counters.
      const scrape = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      assert.equal(scrape.status, 200);
      const text = await scrape.text();
      const proxied = Number(/^oauth2_sidecar_requests_by_route_total\{method="get",route="proxied"\} (\d+)/m.exec(text)?.[1]);
      assert.equal(proxied, 10, text.slice(0, 2000));

      // A worker killed outright is replaced, and the service goes on meanwhile.
      // Its connections die with it (a keep-alive connection of this client may be one of them, and is
      // retried, as browsers retry an idempotent request on a reused connection). A new connection
      // the primary hands to the worker in the instant before it learns of the death is never
      // answered (Node's cluster loses it), so each attempt gets a bounded wait, and there are three.
      process.kill(pids[0]!, 'SIGKILL');
      const bounded = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5_000).unref())]);
      const get = (url: string) => bounded(client.request(url)).catch(() => bounded(client.request(url))).catch(() => bounded(client.request(url)));
      for (let i = 0; i < 10; i++) assert.equal((await get(`${base}/again/${i}`)).status, 200);
      await until('a replacement worker', () => workerPids(p.output()).length === 3);
      assert.match(p.output(), /worker exited; restarting/);
      const current = workerPids(p.output()).slice(1);
      for (const pid of current) assert.ok(alive(pid), `worker ${pid} runs`);
      for (let i = 0; i < 10; i++) assert.equal((await get(`${base}/more/${i}`)).status, 200);

      p.child.kill('SIGTERM');
      assert.equal(await p.exited, 0, p.output());
      await until('the workers to exit', () => current.every((pid) => !alive(pid)), 5_000);
    } finally {
      p.child.kill('SIGKILL');
    }
  });
});
