// The Kubernetes manifests of deploy/ and examples/: rendered with kustomize, validated against the
// API schemas, and checked for the deployment they promise (the seed's sidecar pod, one shared
// configuration, single sign-on across the domain's hosts).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { optionByEnv, optionByKey } from '../../src/config/index.js';
import { byKind, container, envOf, fromRoot, kustomize, one, validateObject, type K8sObject } from './k8s.js';
import { assertSidecar, podSpecOf } from './sidecar-shape.js';
import { assertWiring } from './wiring.js';

const KUSTOMIZATIONS = [
  'deploy/kubernetes/base',
  'deploy/kubernetes/base/shared',
  'deploy/kubernetes/base/app',
  'deploy/kubernetes/overlays/sso',
  'deploy/kubernetes/overlays/redis',
  'deploy/kubernetes/webhook',
  'examples/python-flask',
  'examples/node',
  'examples/go',
  'examples/java',
];

const rendered = new Map<string, K8sObject[]>();
function render(dir: string): K8sObject[] {
  let objects = rendered.get(dir);
  if (!objects) rendered.set(dir, (objects = kustomize(dir)));
  return objects;
}

function cfgOf(objects: K8sObject[]): Record<string, unknown> {
  return parseToml(one(objects, 'ConfigMap', 'oauth2-proxy-config').data['oauth2_proxy.cfg']) as Record<string, unknown>;
}

describe('every manifest renders and matches the Kubernetes API schemas', () => {
  for (const dir of KUSTOMIZATIONS) {
    it(dir, () => {
      const objects = render(dir);
      assert.ok(objects.length > 0);
      for (const o of objects) validateObject(o);
      const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      assert.equal(new Set(names).size, names.length, 'no two objects share kind and name');
      assertWiring(objects);
    });
  }
});

describe('the base is the seed deployment', () => {
  it('has the shared ConfigMap, templates, Secret, gateway and one app on app.example.com', () => {
    const objects = render('deploy/kubernetes/base');
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), [
      'ConfigMap/oauth2-proxy-config',
      'ConfigMap/oauth2-proxy-templates',
      'Deployment/app',
      'Gateway/apps-gateway',
      'NetworkPolicy/app',
      'PodDisruptionBudget/app',
      'Secret/oauth2-proxy-secret',
      'Service/app',
      'VirtualService/app',
    ]);
    const app = one(objects, 'Deployment', 'app');
    assertSidecar(app);
    assert.equal(envOf(container(app, 'oauth2-proxy')).OAUTH2_PROXY_REDIRECT_URL, 'https://app.example.com/oauth2/callback');
    const appContainer = container(app, 'app');
    assert.deepEqual(appContainer.resources, { requests: { memory: '256Mi', cpu: '100m' }, limits: { memory: '512Mi', cpu: '500m' } });
    assert.equal(appContainer.securityContext.readOnlyRootFilesystem, true);
    const pod = podSpecOf(app);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.ok(pod.terminationGracePeriodSeconds > 20, 'longer than the sidecar drain');

    const vs = one(objects, 'VirtualService', 'app');
    assert.deepEqual(vs.spec.hosts, ['app.example.com']);
    assert.deepEqual(vs.spec.gateways, ['apps-gateway']);
    const gw = one(objects, 'Gateway', 'apps-gateway');
    assert.ok(gw.spec.servers.every((s: K8sObject) => s.hosts.includes('*.example.com')));
    assert.ok(gw.spec.servers.some((s: K8sObject) => s.port.protocol === 'HTTPS' && s.tls.mode === 'SIMPLE'));

    const secret = one(objects, 'Secret', 'oauth2-proxy-secret');
    assert.deepEqual(Object.keys(secret.stringData).sort(), ['client-id', 'client-secret', 'cookie-secret']);
    const templates = one(objects, 'ConfigMap', 'oauth2-proxy-templates');
    assert.deepEqual(Object.keys(templates.data).sort(), ['error.html', 'sign_in.html']);
  });

  it("the cfg uses only oauth2-proxy's TOML keys, every one supported, with the seed's settings", () => {
    const cfg = cfgOf(render('deploy/kubernetes/base'));
    for (const key of Object.keys(cfg)) {
      const spec = optionByKey(key);
      assert.ok(spec, `${key} is an oauth2-proxy TOML key`);
      assert.equal(spec.support, 'yes', `${key} is supported by oauth2-sidecar`);
    }
    assert.equal(cfg.provider, 'oidc');
    assert.match(String(cfg.oidc_issuer_url), /^https:\/\//);
    assert.equal(cfg.http_address, '0.0.0.0:4180');
    assert.deepEqual(cfg.cookie_domains, ['.example.com']);
    assert.equal(cfg.cookie_secure, true);
    assert.equal(cfg.cookie_httponly, true);
    assert.equal(cfg.cookie_samesite, 'lax');
    assert.equal(cfg.skip_provider_button, true);
    assert.equal(cfg.custom_templates_dir, '/templates');
    for (const secretKey of ['client_id', 'client_secret', 'cookie_secret']) assert.equal(cfg[secretKey], undefined, `${secretKey} stays in the Secret`);
  });

  it('every env variable the manifests set is one of oauth2-proxy\'s', () => {
    for (const dir of KUSTOMIZATIONS) {
      for (const d of byKind(render(dir), 'Deployment')) {
        const proxy = podSpecOf(d).containers.find((c: K8sObject) => c.name === 'oauth2-proxy');
        if (!proxy) continue;
        for (const name of Object.keys(envOf(proxy))) {
          // oauth2-sidecar's own settings, which the Go image ignores.
          if (['NODE_OPTIONS', 'POD_NAME', 'CONTAINER_NAME', 'OAUTH2_PROXY_LOGGING_FORMAT'].includes(name)) continue;
          assert.ok(optionByEnv(name), `${dir}: ${name} is an OAUTH2_PROXY_* variable of oauth2-proxy`);
        }
      }
    }
  });
});

describe('overlays', () => {
  it('sso: three apps on three hosts share one ConfigMap, one Secret and one cookie domain', () => {
    const objects = render('deploy/kubernetes/overlays/sso');
    assert.equal(byKind(objects, 'ConfigMap').length, 2);
    assert.equal(byKind(objects, 'Secret').length, 1);
    const cfg = cfgOf(objects);
    const apps = byKind(objects, 'Deployment');
    assert.deepEqual(apps.map((d) => d.metadata.name).sort(), ['app1', 'app2', 'app3']);
    for (const d of apps) {
      assertSidecar(d);
      const host = `${d.metadata.name}.example.com`;
      assert.equal(envOf(container(d, 'oauth2-proxy')).OAUTH2_PROXY_REDIRECT_URL, `https://${host}/oauth2/callback`);
      assert.deepEqual(one(objects, 'VirtualService', d.metadata.name).spec.hosts, [host]);
      assert.ok((cfg.cookie_domains as string[]).some((domain) => host.endsWith(domain)), `${host} is inside the cookie domain`);
      assert.ok((cfg.whitelist_domains as string[]).some((domain) => host.endsWith(domain)), `${host} is an allowed redirect target`);
    }
  });

  it("redis: sessions in Redis through oauth2-proxy's option names, Redis reachable only from the sidecars", () => {
    const objects = render('deploy/kubernetes/overlays/redis');
    const env = envOf(container(one(objects, 'Deployment', 'app'), 'oauth2-proxy'));
    assert.equal(optionByEnv('OAUTH2_PROXY_SESSION_STORE_TYPE')?.key, 'session_store_type');
    assert.equal(optionByEnv('OAUTH2_PROXY_REDIS_CONNECTION_URL')?.key, 'redis_connection_url');
    assert.equal(env.OAUTH2_PROXY_SESSION_STORE_TYPE, 'redis');
    const url = new URL(env.OAUTH2_PROXY_REDIS_CONNECTION_URL!);
    const svc = one(objects, 'Service', url.hostname);
    assert.equal(svc.spec.ports[0].port, Number(url.port));
    const redis = one(objects, 'Deployment', 'oauth2-proxy-redis');
    assert.equal(container(redis, 'redis').securityContext.readOnlyRootFilesystem, true);
    const np = one(objects, 'NetworkPolicy', 'oauth2-proxy-redis');
    assert.deepEqual(np.spec.ingress[0].from[0].podSelector.matchLabels, { 'app.kubernetes.io/part-of': 'oauth2-sidecar' });
    assert.equal(one(objects, 'Deployment', 'app').spec.template.metadata.labels['app.kubernetes.io/part-of'], 'oauth2-sidecar');
  });
});

describe('examples', () => {
  for (const [dir, name, image] of [
    ['python-flask', 'hello-flask', 'example-flask'],
    ['node', 'hello-node', 'example-node'],
    ['go', 'hello-go', 'example-go'],
    ['java', 'hello-java', 'example-java'],
  ] as const) {
    it(`${dir}: its own host, its image, the shared configuration, nothing shared re-declared`, () => {
      const objects = render(`examples/${dir}`);
      assert.equal(byKind(objects, 'Secret').length + byKind(objects, 'ConfigMap').length, 0, 'applying an example never overwrites the shared Secret');
      const d = one(objects, 'Deployment', name);
      assertSidecar(d);
      assert.equal(envOf(container(d, 'oauth2-proxy')).OAUTH2_PROXY_REDIRECT_URL, `https://${name}.example.com/oauth2/callback`);
      assert.equal(container(d, 'app').image, `ghcr.io/oauth2-sidecar/${image}:0.1.0`);
      assert.deepEqual(one(objects, 'VirtualService', name).spec.hosts, [`${name}.example.com`]);
      const readme = readFileSync(fromRoot('examples', 'README.md'), 'utf8');
      assert.ok(readme.includes(`examples/${dir}`), 'listed in examples/README.md');
    });
  }
});
