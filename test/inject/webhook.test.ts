// `oauth2-sidecar inject-webhook`: the real executable, started with the args of the webhook's
// Deployment, serving HTTPS with a certificate from the shipped make-certs.sh, answering
// AdmissionReview v1 requests the way the API server sends them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/deps.js';
import { startBin, type Started } from '../support/spawn.js';
import { container, fromRoot, kustomize, one, validateObject, type K8sObject } from '../deploy/k8s.js';
import { assertSidecar } from '../deploy/sidecar-shape.js';
import { applyJsonPatch } from './json-patch.js';

const SERVICE_HOST = 'oauth2-sidecar-injector.oauth2-sidecar-system.svc';

interface Reply {
  status: number;
  body: string;
}

function pod(annotations: Record<string, string> | undefined, extra: Partial<K8sObject['spec']> = {}): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: '', generateName: 'shop-web-5d9c7-', namespace: 'shop', labels: { app: 'web' }, ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'web', image: 'registry.example.com/shop/web:2.3.1', ports: [{ name: 'http', containerPort: 3000 }] }], ...extra },
  };
}

function review(object: unknown, uid = 'f0b7c8a2-1111-4a5e-9d8e-000000000001'): unknown {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      object,
    },
  };
}

describe('oauth2-sidecar inject-webhook', () => {
  let certs: string;
  let ca: Buffer;
  let webhook: Started;
  let port: number;
  let deployment: K8sObject;
  let objects: K8sObject[];

  const call = (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          ca,
          // The name the API server connects to, so the certificate is checked as it would be.
          servername: SERVICE_HOST,
          headers: payload === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const admit = async (object: unknown) => {
    const r = await call('POST', '/mutate', review(object));
    assert.equal(r.status, 200, r.body);
    const out = JSON.parse(r.body);
    assert.equal(out.apiVersion, 'admission.k8s.io/v1');
    assert.equal(out.kind, 'AdmissionReview');
    assert.equal(out.response.uid, 'f0b7c8a2-1111-4a5e-9d8e-000000000001');
    return out.response as { allowed: boolean; patchType?: string; patch?: string; status?: { message: string } };
  };

  before(async () => {
    requireBinary('openssl');
    certs = mkdtempSync(join(tmpdir(), 'injector-tls-'));
    execFileSync('sh', [fromRoot('deploy', 'kubernetes', 'webhook', 'make-certs.sh'), certs], { stdio: 'pipe', timeout: 30_000 });
    ca = readFileSync(join(certs, 'ca.crt'));
    objects = kustomize('deploy/kubernetes/webhook');
    deployment = one(objects, 'Deployment', 'oauth2-sidecar-injector');
    const args = (container(deployment, 'injector').args as string[]).map((a) =>
      a.startsWith('--listen=') ? '--listen=127.0.0.1:0' : a.replace(/^(--tls-(cert|key)-file=)\/tls\//, `$1${certs}/`),
    );
    assert.equal(args[0], 'inject-webhook');
    webhook = await startBin(args, {}, /"msg":"listening"/);
    port = Number(/"address":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(webhook.output())?.[1]);
    assert.ok(port > 0, webhook.output());
  });

  after(async () => {
    if (webhook && webhook.child.exitCode === null) {
      webhook.child.kill('SIGKILL');
      await webhook.exited;
    }
    if (certs) rmSync(certs, { recursive: true, force: true });
  });

  it('serves its probe over TLS with the certificate for its Service name', async () => {
    const r = await call('GET', '/healthz');
    assert.equal(r.status, 200);
  });

  it('adds the sidecar to an annotated pod with a JSONPatch; the patched pod is valid', async () => {
    const original = pod({ 'oauth2-sidecar/inject': 'true', 'oauth2-sidecar/upstream-port': '3000', 'oauth2-sidecar/host': 'web.example.com' });
    const res = await admit(original);
    assert.equal(res.allowed, true);
    assert.equal(res.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(res.patch!, 'base64').toString('utf8'));
    assert.ok(ops.every((op: { op: string }) => op.op === 'add'), 'only additions');
    const patched = applyJsonPatch(original, ops);
    // The API server names the pod after admission; validate it as it will be stored.
    validateObject({ ...patched, metadata: { ...patched.metadata, name: 'shop-web-5d9c7-abcde' } });
    assertSidecar(patched, { upstream: 'http://127.0.0.1:3000', redirectUrl: 'https://web.example.com/oauth2/callback' });
    assert.equal(container(patched, 'oauth2-proxy').image, 'ghcr.io/oauth2-sidecar/oauth2-sidecar:0.1.0', 'the image from the Deployment args');
    assert.equal(patched.metadata.annotations['oauth2-sidecar/status'], 'injected');
    assert.deepEqual(container(patched, 'web'), container(original, 'web'), 'the app container is untouched');

    // The API server sends a patched pod back on reinvocation: nothing more is added.
    const again = await admit(patched);
    assert.equal(again.allowed, true);
    assert.equal(again.patch, undefined);
  });

  it('appends to existing volumes and defaults the upstream port to 8080', async () => {
    const original = pod({ 'oauth2-sidecar/inject': 'true' }, { volumes: [{ name: 'cache', emptyDir: {} }] });
    const res = await admit(original);
    const patched = applyJsonPatch(original, JSON.parse(Buffer.from(res.patch!, 'base64').toString('utf8')));
    assert.deepEqual(patched.spec.volumes.map((v: K8sObject) => v.name), ['cache', 'oauth2-proxy-config', 'oauth2-proxy-templates']);
    assertSidecar(patched, { upstream: 'http://127.0.0.1:8080', redirectUrl: null });
  });

  it('leaves pods without the annotation (or with it set to anything but "true") untouched', async () => {
    const variants: Array<Record<string, string> | undefined> = [undefined, {}, { 'oauth2-sidecar/inject': 'false' }, { 'oauth2-sidecar/inject': 'yes' }];
    for (const annotations of variants) {
      const res = await admit(pod(annotations));
      assert.equal(res.allowed, true);
      assert.equal(res.patch, undefined);
      assert.equal(res.patchType, undefined);
    }
  });

  it('refuses a pod that asks for the sidecar but cannot have it, rather than admit it unprotected', async () => {
    for (const [annotations, message] of [
      [{ 'oauth2-sidecar/inject': 'true', 'oauth2-sidecar/upstream-port': 'http' }, /annotation oauth2-sidecar\/upstream-port: "http" is not a port number/],
      [{ 'oauth2-sidecar/inject': 'true', 'oauth2-sidecar/host': 'not a host' }, /annotation oauth2-sidecar\/host/],
    ] as const) {
      const res = await admit(pod(annotations));
      assert.equal(res.allowed, false);
      assert.match(res.status!.message, message);
    }
    const clash = pod({ 'oauth2-sidecar/inject': 'true' });
    clash.spec.containers[0].ports = [{ containerPort: 4180 }];
    const res = await admit(clash);
    assert.equal(res.allowed, false);
    assert.match(res.status!.message, /already uses port 4180/);
  });

  it('answers what is not an AdmissionReview with a client error', async () => {
    assert.equal((await call('POST', '/mutate', '{not json')).status, 400);
    assert.equal((await call('POST', '/mutate', { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' })).status, 400);
    assert.equal((await call('POST', '/mutate', 'x', 'text/plain')).status, 415);
    assert.equal((await call('GET', '/mutate')).status, 405);
    assert.equal((await call('GET', '/elsewhere')).status, 404);
  });

  it('its manifests are valid and wired: configuration → Service → the webhook container over HTTPS', () => {
    for (const o of objects) validateObject(o);
    const mwc = one(objects, 'MutatingWebhookConfiguration', 'oauth2-sidecar-injector');
    const hook = mwc.webhooks[0];
    assert.deepEqual(hook.admissionReviewVersions, ['v1']);
    assert.equal(hook.sideEffects, 'None');
    assert.equal(hook.failurePolicy, 'Fail');
    assert.deepEqual(hook.rules, [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
    const svc = one(objects, 'Service', hook.clientConfig.service.name);
    assert.equal(svc.metadata.namespace, hook.clientConfig.service.namespace);
    assert.equal(`${svc.metadata.name}.${svc.metadata.namespace}.svc`, SERVICE_HOST, 'the name make-certs.sh certifies');
    assert.equal(hook.clientConfig.service.path, '/mutate');
    const port = svc.spec.ports.find((p: K8sObject) => p.port === hook.clientConfig.service.port);
    const injector = container(deployment, 'injector');
    assert.equal(injector.ports.find((p: K8sObject) => p.name === port.targetPort).containerPort, 8443);
    assert.equal(injector.readinessProbe.httpGet.scheme, 'HTTPS');
    assert.equal(injector.securityContext.readOnlyRootFilesystem, true);
    const tls = one(objects, 'Secret', 'oauth2-sidecar-injector-tls');
    assert.equal(tls.type, 'kubernetes.io/tls');
    assert.equal(deployment.spec.template.spec.volumes[0].secret.secretName, tls.metadata.name);
    assert.ok(hook.namespaceSelector.matchLabels['oauth2-sidecar/injection'], 'only namespaces that opt in');
  });

  it('logs JSON lines and exits 0 on SIGTERM', async () => {
    for (const line of webhook.output().trim().split('\n')) assert.doesNotThrow(() => JSON.parse(line), line);
    assert.match(webhook.output(), /"msg":"sidecar injected"/);
    webhook.child.kill('SIGTERM');
    assert.equal(await webhook.exited, 0);
  });
});
