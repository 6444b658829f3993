// The sidecar inside the seed's memory limit (128Mi): the executable started as the manifests
// start it (base configuration, NODE_OPTIONS from the Deployment), its resident set read from
// /proc at idle and after a bounded load of authenticated requests. The figures go to the test's
// diagnostics (and docs/kubernetes.md).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { startBin, type Started } from '../support/spawn.js';
import { kustomize } from './k8s.js';
import { mountSidecar, type MountedPod } from './seed.js';

const LIMIT_BYTES = 128 * 1024 * 1024;
const REQUESTS = 20_000;
const CONCURRENCY = 32;
const TIME_LIMIT_MS = 90_000;

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

describe('memory of the sidecar as the manifests run it', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let pod: MountedPod;
  let proxy: Started;
  let url: string;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
    pod = mountSidecar(kustomize('deploy/kubernetes/base'), 'app');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    assert.match(pod.env.NODE_OPTIONS ?? '', /--max-old-space-size=\d+/);
    proxy = await startBin(pod.args, {
      ...pod.env,
      OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer,
      OAUTH2_PROXY_HTTP_ADDRESS: `127.0.0.1:${port}`,
      OAUTH2_PROXY_REDIRECT_URL: `${url}/oauth2/callback`,
      OAUTH2_PROXY_UPSTREAMS: echo.url,
      // Logging every request of the load would measure the log pipe, not the proxy.
      OAUTH2_PROXY_REQUEST_LOGGING: 'false',
    }, /"msg":"listening"/);
  });

  after(async () => {
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM');
      await proxy.exited;
    }
    await echo?.close();
    await idp?.close();
    pod?.cleanup();
  });

  it(`stays under 128Mi idle and through ${REQUESTS} authenticated requests`, async (t) => {
    const pid = proxy.child.pid!;
    const idle = memoryOf(pid);
    t.diagnostic(`idle RSS ${mib(idle.rss)}`);
    assert.ok(idle.rss < 96 * 1024 * 1024, `idle RSS ${mib(idle.rss)}`);

    const client = createClient();
    await signIn(client, { startUrl: `${url}/oauth2/start?rd=%2F`, username: 'alice', password: DEMO_PASSWORD });
    const cookie = client.cookieHeader(`${url}/`);
    assert.match(cookie, /_oauth2_proxy=/);

    const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
    const deadline = Date.now() + TIME_LIMIT_MS;
    let sent = 0;
    let ok = 0;
    const started = Date.now();
    const worker = async () => {
      while (sent < REQUESTS && Date.now() < deadline) {
        sent++;
        const res = await pool.request({ method: 'GET', path: `/items/${sent}`, headers: { cookie } });
        await res.body.dump();
        if (res.statusCode === 200) ok++;
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      await pool.close();
    }
    const seconds = (Date.now() - started) / 1000;
    const loaded = memoryOf(pid);
    t.diagnostic(`${ok} authenticated requests in ${seconds.toFixed(1)} s (${Math.round(ok / seconds)}/s, ${CONCURRENCY} connections)`);
    t.diagnostic(`RSS after load ${mib(loaded.rss)}, peak RSS ${mib(loaded.peak)}`);
    assert.equal(ok, REQUESTS, 'every request was served within the time bound');
    assert.ok(loaded.peak < LIMIT_BYTES, `peak RSS ${mib(loaded.peak)} stays inside the 128Mi limit`);
  });
});
