import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, Agent } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:tls';
import { loadConfig } from '../../src/config/index.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient } from '../support/http-client.js';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { createTestCa, type TestCa } from '../ops/certs.js';
import { opsArgs, startOpsProxy, type OpsProxy } from '../ops/harness.js';

function get(url: string, ca: string, agent?: Agent): Promise<{ status: number; cn: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, agent: agent ?? false }, (res) => {
      const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cn: String(cert.subject?.CN ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

function handshake(port: number, ca: string, opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<{ ok: true; protocol: string; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...opts }, () => {
      const r = { ok: true as const, protocol: s.getProtocol() ?? '', cipher: s.getCipher().standardName ?? s.getCipher().name };
      s.end();
      resolve(r);
    });
    s.on('error', (err) => resolve({ ok: false, error: err.message }));
  });
}

describe('HTTPS listener', () => {
  let ca: TestCa;
  let idp: DevIdp;
  let echo: EchoUpstream;
  let certFile: string;
  let keyFile: string;

  const install = (pair: { cert: string; key: string }) => {
    // Written next to the target and renamed over it, as Kubernetes and cert-manager do.
    writeFileSync(certFile + '.tmp', pair.cert);
    writeFileSync(keyFile + '.tmp', pair.key);
    renameSync(keyFile + '.tmp', keyFile);
    renameSync(certFile + '.tmp', certFile);
  };

  before(async () => {
    ca = createTestCa();
    certFile = join(ca.dir, 'tls.crt');
    keyFile = join(ca.dir, 'tls.key');
    install(ca.issue('one'));
    idp = await startTestIdp();
    echo = await startEchoUpstream();
  });
  after(async () => {
    await echo.close();
    await idp.close();
  });

  const tlsArgs = (extra: string[] = []) =>
    opsArgs({ issuer: idp.issuer, upstream: echo.url, extra: [`--tls-cert-file=${certFile}`, `--tls-key-file=${keyFile}`, '--https-address=127.0.0.1:0', ...extra] });

  it('serves HTTPS instead of HTTP when a certificate and key are set, and follows certificate rotation under traffic', async () => {
    const p: OpsProxy = await startOpsProxy(tlsArgs());
    try {
      assert.match(p.serving.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual(await get(`${p.serving.url}/ping`, ca.caCert), { status: 200, cn: 'one' });

      // A bounded stream of requests, each on a new connection (a new handshake), while the files change.
      const seen = new Set<string>();
      const failures: string[] = [];
      let swapped = false;
      const deadline = Date.now() + 10_000;
      for (let i = 0; i < 400 && Date.now() < deadline; i++) {
        if (i === 20) { install(ca.issue('two')); swapped = true; }
        try {
          const r = await get(`${p.serving.url}/ping`, ca.caCert);
          if (r.status !== 200) failures.push(`status ${r.status}`);
          seen.add(r.cn);
          if (swapped && r.cn === 'two' && i > 40) break;
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
      assert.deepEqual(failures, []);
      assert.ok(seen.has('one') && seen.has('two'), `served: ${[...seen].join(', ')}`);
      assert.equal((await get(`${p.serving.url}/ping`, ca.caCert)).cn, 'two');
      assert.ok(p.lines.some((l) => l.includes('new TLS certificate loaded')));

      // A certificate that does not match its key is refused; the previous pair keeps serving.
      const bad = ca.issue('three');
      writeFileSync(certFile, bad.cert);
      const refused = Date.now() + 5000;
      while (!p.lines.some((l) => l.includes('new TLS certificate refused')) && Date.now() < refused) await new Promise((r) => setTimeout(r, 25));
      assert.ok(p.lines.some((l) => l.includes('new TLS certificate refused')), 'the refusal is logged');
      assert.deepEqual(await get(`${p.serving.url}/ping`, ca.caCert), { status: 200, cn: 'two' });
    } finally {
      install(ca.issue('one'));
      await p.close();
    }
  });

  it('applies --tls-min-version and maps Go cipher suite names', async () => {
    const p13 = await startOpsProxy(tlsArgs(['--tls-min-version=TLS1.3']));
    try {
      const old = await handshake(p13.serving.port, ca.caCert, { maxVersion: 'TLSv1.2' });
      assert.equal(old.ok, false);
      const modern = await handshake(p13.serving.port, ca.caCert, {});
      assert.ok(modern.ok && modern.protocol === 'TLSv1.3');
    } finally {
      await p13.close();
    }
    const p12 = await startOpsProxy(tlsArgs(['--tls-cipher-suite=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384']));
    try {
      const r = await handshake(p12.serving.port, ca.caCert, { maxVersion: 'TLSv1.2' });
      assert.ok(r.ok, JSON.stringify(r));
      assert.equal(r.ok && r.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
      const other = await handshake(p12.serving.port, ca.caCert, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
      assert.equal(other.ok, false, 'a suite not in the list is not negotiated');
    } finally {
      await p12.close();
    }
  });

  it('serves metrics over HTTPS on --metrics-secure-address', async () => {
    const p = await startOpsProxy(opsArgs({ issuer: idp.issuer, upstream: echo.url, extra: ['--metrics-secure-address=127.0.0.1:0', `--metrics-tls-cert-file=${certFile}`, `--metrics-tls-key-file=${keyFile}`] }));
    try {
      assert.match(p.serving.url, /^http:/, 'the proxy itself stays on HTTP');
      const url = p.serving.metricsUrls[0] as string;
      assert.match(url, /^https:/);
      assert.deepEqual(await get(url, ca.caCert), { status: 200, cn: 'one' });
    } finally {
      await p.close();
    }
  });

  it('reports TLS configuration problems at start-up, each naming its flag', () => {
    const other = ca.issue('other');
    const strayKey = join(ca.dir, 'stray.key');
    writeFileSync(strayKey, other.key);
    const r = loadConfig([
      ...opsArgs({ issuer: 'http://127.0.0.1:1', upstream: 'http://127.0.0.1:2' }),
      `--tls-cert-file=${certFile}`, `--tls-key-file=${strayKey}`, '--tls-min-version=TLS1.1',
      '--tls-cipher-suite=TLS_RSA_WITH_RC4_128_SHA', '--tls-cipher-suite=TLS_MADE_UP', '--metrics-secure-address=127.0.0.1:0',
    ], {});
    assert.equal(r.ok, false);
    const errors = r.ok ? [] : r.errors;
    const flags = errors.map((e) => /^--([a-z-]+):/.exec(e)?.[1]);
    for (const f of ['tls-cert-file', 'tls-min-version', 'tls-cipher-suite', 'metrics-tls-cert-file', 'metrics-tls-key-file']) assert.ok(flags.includes(f), `${f} in ${errors.join('\n')}`);
    assert.ok(errors.some((e) => e.includes('TLS_RSA_WITH_RC4_128_SHA') && e.includes('insecure')));
    assert.ok(errors.some((e) => e.includes('TLS_MADE_UP') && e.includes('not a known cipher suite')));
    assert.ok(!errors.join('\n').includes('PRIVATE KEY'), 'no key material in messages');
  });

  it('--force-https answers plain HTTP with a 308 to HTTPS, and believes X-Forwarded-Proto only from a trusted proxy', async () => {
    const p = await startOpsProxy(opsArgs({ issuer: idp.issuer, upstream: echo.url, extra: ['--force-https', '--reverse-proxy', '--trusted-proxy-ip=127.0.0.1'] }));
    try {
      const client = createClient();
      const r = await client.request(`${p.serving.url}/some/path?q=1`, { method: 'POST', body: 'a=1', headers: { host: 'app.example.com:8080' } });
      assert.equal(r.status, 308);
      assert.equal(r.headers.location, 'https://app.example.com/some/path?q=1');
      const probe = await client.request(`${p.serving.url}/ping`);
      assert.equal(probe.status, 308, 'as in oauth2-proxy, the redirect comes before the probes');
      const behind = await client.request(`${p.serving.url}/ping`, { headers: { 'x-forwarded-proto': 'https' } });
      assert.equal(behind.status, 200);
      const hostile = await client.request(`${p.serving.url}/x`, { headers: { host: 'evil.example/<script>' } });
      assert.equal(hostile.status, 400);
    } finally {
      await p.close();
    }
  });
});
