// What every pod carrying the sidecar must look like, whichever way it got there (the base, an
// overlay, an example, the inject command or the admission webhook).
import assert from 'node:assert/strict';
import { container, envOf, type K8sObject } from './k8s.js';

export interface SidecarExpectations {
  configMap?: string;
  templatesConfigMap?: string;
  secret?: string;
  upstream?: string;
  /** null: no fixed redirect URL (it then follows the request host). Default: an https callback URL. */
  redirectUrl?: string | null;
}

export function podSpecOf(obj: K8sObject): K8sObject {
  return obj.kind === 'Pod' ? obj.spec : obj.spec.template.spec;
}

export function assertSidecar(obj: K8sObject, want: SidecarExpectations = {}): void {
  const spec = podSpecOf(obj);
  const secret = want.secret ?? 'oauth2-proxy-secret';
  const proxy = container(obj, 'oauth2-proxy');
  assert.deepEqual(proxy.args, ['--config=/etc/oauth2-proxy/oauth2_proxy.cfg']);
  const env = envOf(proxy);
  assert.equal(env.OAUTH2_PROXY_CLIENT_ID, `secret:${secret}/client-id`);
  assert.equal(env.OAUTH2_PROXY_CLIENT_SECRET, `secret:${secret}/client-secret`);
  assert.equal(env.OAUTH2_PROXY_COOKIE_SECRET, `secret:${secret}/cookie-secret`);
  assert.equal(env.OAUTH2_PROXY_UPSTREAMS, want.upstream ?? 'http://127.0.0.1:8080');
  if (want.redirectUrl === null) assert.equal(env.OAUTH2_PROXY_REDIRECT_URL, undefined);
  else if (want.redirectUrl !== undefined) assert.equal(env.OAUTH2_PROXY_REDIRECT_URL, want.redirectUrl);
  else assert.match(env.OAUTH2_PROXY_REDIRECT_URL ?? '', /^https:\/\/[a-z0-9.-]+\/oauth2\/callback$/);
  assert.equal(env.NODE_OPTIONS, '--max-old-space-size=48 --max-semi-space-size=4', 'the heap settings measured in test/deploy/memory.test.ts');
  assert.equal(env.OAUTH2_PROXY_LOGGING_FORMAT, 'json');

  const port = proxy.ports.find((p: { containerPort: number }) => p.containerPort === 4180);
  assert.ok(port, 'the sidecar exposes 4180');
  const probePort = (probe: K8sObject) => (probe.httpGet.port === port.name ? 4180 : probe.httpGet.port);
  assert.equal(proxy.livenessProbe.httpGet.path, '/ping');
  assert.equal(probePort(proxy.livenessProbe), 4180);
  assert.equal(proxy.readinessProbe.httpGet.path, '/ready');
  assert.equal(probePort(proxy.readinessProbe), 4180);

  assert.deepEqual(proxy.resources, { requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '128Mi', cpu: '200m' } });
  const sc = proxy.securityContext;
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.deepEqual(sc.capabilities.drop, ['ALL']);
  assert.equal(sc.privileged ?? false, false);

  const mounts = Object.fromEntries(proxy.volumeMounts.map((m: { mountPath: string; name: string }) => [m.mountPath, m.name]));
  const volumes = Object.fromEntries(spec.volumes.map((v: { name: string }) => [v.name, v]));
  assert.equal(volumes[mounts['/etc/oauth2-proxy']]?.configMap?.name, want.configMap ?? 'oauth2-proxy-config');
  assert.equal(volumes[mounts['/templates']]?.configMap?.name, want.templatesConfigMap ?? 'oauth2-proxy-templates');
  for (const m of proxy.volumeMounts) assert.equal(m.readOnly, true, `${m.mountPath} is mounted read-only`);
}
