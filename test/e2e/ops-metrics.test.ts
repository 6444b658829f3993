import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort, REFUSED_PORT } from '../support/ports.js';
import { opsArgs, parseExposition, startOpsProxy, type OpsProxy } from '../ops/harness.js';

describe('metrics listener', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;
  let proxy: OpsProxy;
  let metricsUrl: string;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
    const metricsPort = await freePort();
    proxy = await startOpsProxy(opsArgs({ issuer: idp.issuer, upstream: echo.url, extra: [`--metrics-address=127.0.0.1:${metricsPort}`] }));
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  });
  after(async () => {
    await proxy.close();
    await echo.close();
    await idp.close();
  });

  const scrape = async (path = '/metrics') => {
    const r = await request(metricsUrl.replace('/metrics', path));
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return parseExposition(await r.body.text());
  };

  it('counts a scripted sign-in, proxied requests, failures and refusals with bounded labels', async () => {
    const base = proxy.serving.url;
    const client = createClient();
    const { response } = await signIn(client, { startUrl: `${base}/oauth2/start?rd=%2Fhello`, username: 'alice', password: DEMO_PASSWORD });
    assert.equal(response.status, 302);
    for (let i = 0; i < 3; i++) assert.equal((await client.request(`${base}/hello/${i}?x=${i}`)).status, 200);
    // A callback without state is a refused sign-in; probes are not counted at all.
    assert.equal((await createClient().request(`${base}/oauth2/callback?code=x`)).status, 403);
    for (const p of ['/ping', '/ready', '/ping']) assert.equal((await createClient().request(`${base}${p}`)).status, 200);
    assert.equal((await createClient().request(`${base}/private`, { headers: { accept: 'application/json' } })).status, 401);

    const m = await scrape();
    assert.equal(m.get('oauth2_sidecar_sign_ins_total'), 1);
    assert.equal(m.get('oauth2_sidecar_sign_in_failures_total{reason="invalid_state"}'), 1);
    assert.equal(m.get('oauth2_sidecar_sign_in_failures_total{reason="csrf"}'), 0);
    assert.equal(m.get('oauth2_sidecar_requests_by_route_total{method="get",route="proxied"}'), 4);
    assert.equal(m.get('oauth2_sidecar_requests_by_route_total{method="get",route="start"}'), 1);
    assert.equal(m.get('oauth2_sidecar_requests_by_route_total{method="get",route="callback"}'), 2);
    assert.equal(m.get('oauth2_proxy_requests_total{code="200"}'), 3);
    assert.equal(m.get('oauth2_proxy_requests_total{code="302"}'), 2);
    assert.equal(m.get('oauth2_proxy_requests_total{code="401"}'), 1);
    assert.equal(m.get('oauth2_proxy_requests_total{code="403"}'), 1);
    assert.equal(m.get('oauth2_proxy_response_duration_seconds_count{method="get"}'), 7);
    assert.equal(m.get('oauth2_proxy_requests_in_flight'), 0);
    // Session store: the callback saved once, each signed-in request loaded once.
    assert.equal(m.get('oauth2_sidecar_session_store_duration_seconds_count{operation="save"}'), 1);
    assert.ok((m.get('oauth2_sidecar_session_store_duration_seconds_count{operation="load"}') ?? 0) >= 3);
    assert.equal(m.get('oauth2_sidecar_session_store_errors_total{operation="load"}') ?? 0, 0);
    assert.ok((m.get('process_cpu_user_seconds_total') ?? -1) >= 0, 'Node process metrics are exported');
    assert.ok([...m.keys()].some((k) => k.startsWith('nodejs_eventloop_lag_seconds')));
    // No raw path, query or user ever becomes a label.
    for (const k of m.keys()) assert.doesNotMatch(k, /hello|alice|x=/);
  });

  it('counts upstream failures by reason', async () => {
    const dead = REFUSED_PORT;
    const p = await startOpsProxy(opsArgs({ issuer: idp.issuer, upstream: `http://127.0.0.1:${dead}`, extra: [`--metrics-address=127.0.0.1:0`] }));
    try {
      const client = createClient();
      await signIn(client, { startUrl: `${p.serving.url}/oauth2/start?rd=%2F`, username: 'bob', password: DEMO_PASSWORD });
      assert.equal((await client.request(`${p.serving.url}/x`)).status, 502);
      const r = await request(p.serving.metricsUrls[0] as string);
      const m = parseExposition(await r.body.text());
      assert.equal(m.get('oauth2_sidecar_upstream_errors_total{reason="unreachable"}'), 1);
      assert.equal(m.get('oauth2_proxy_requests_total{code="502"}'), 1);
    } finally {
      await p.close();
    }
  });

  it('answers on any path, as oauth2-proxy does, and only to GET and HEAD', async () => {
    const m = await scrape('/anything');
    assert.ok(m.has('oauth2_proxy_requests_in_flight'));
    const post = await request(metricsUrl, { method: 'POST', body: 'x' });
    assert.equal(post.statusCode, 405);
    await post.body.dump();
  });
});
