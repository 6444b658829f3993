// `oauth2-sidecar inject`: existing manifests in, the same manifests with the sidecar out, valid
// against the Kubernetes schemas, wired so traffic reaches the sidecar, unchanged on a second run,
// and runnable: the injected sidecar signs a user in to the app behind it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { createClient, signIn } from '../support/http-client.js';
import { DEMO_PASSWORD, startTestIdp, type DevIdp } from '../support/idp.js';
import { freePort } from '../support/ports.js';
import { startBin } from '../support/spawn.js';
import { byKind, container, envOf, fromRoot, kustomize, one, parseYaml, validateObject, type K8sObject } from '../deploy/k8s.js';
import { mountSidecar } from '../deploy/seed.js';
import { assertSidecar, podSpecOf } from '../deploy/sidecar-shape.js';
import { assertWiring } from '../deploy/wiring.js';
import { runInjectBin } from './run.js';

const WEB = fromRoot('test', 'inject', 'fixtures', 'web.yaml');
const TWO_APPS = fromRoot('test', 'inject', 'fixtures', 'two-apps.yaml');

function exceptApi(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.metadata.name !== 'api');
}

describe('oauth2-sidecar inject', () => {
  it('adds the sidecar, points the Service at it and adds a VirtualService for the host', async () => {
    const r = await runInjectBin(['-f', WEB, '--host', 'web.example.com']);
    assert.equal(r.code, 0, r.stderr);
    const objects = parseYaml(r.stdout);
    for (const o of objects) validateObject(o);
    assert.deepEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ['Deployment/web', 'Service/web', 'VirtualService/web']);
    assertWiring(objects, { sidecarOnly: false });

    const web = one(objects, 'Deployment', 'web');
    assertSidecar(web, { upstream: 'http://127.0.0.1:3000', redirectUrl: 'https://web.example.com/oauth2/callback' });
    assert.equal(web.spec.template.metadata.annotations['oauth2-sidecar/status'], 'injected');
    const original = parseYaml(readFileSync(WEB, 'utf8'));
    assert.deepEqual(container(web, 'web'), container(one(original, 'Deployment', 'web'), 'web'), 'the app container is untouched');
    assert.deepEqual(podSpecOf(web).volumes.map((v: K8sObject) => v.name), ['cache', 'oauth2-proxy-config', 'oauth2-proxy-templates']);

    const svc = one(objects, 'Service', 'web');
    assert.deepEqual(svc.spec.ports.map((p: K8sObject) => [p.port, p.targetPort]), [[80, 'oauth2-proxy'], [9090, 9090]], 'only the app port moves; metrics stay');
    const vs = one(objects, 'VirtualService', 'web');
    assert.equal(vs.metadata.namespace, 'shop');
    assert.deepEqual(vs.spec, { hosts: ['web.example.com'], gateways: ['apps-gateway'], http: [{ route: [{ destination: { host: 'web', port: { number: 80 } } }] }] });

    assert.ok(r.stdout.startsWith('# An existing app'), 'comments survive');
    assert.match(r.stderr, /deployment\/web: sidecar added/);
  });

  it('injecting twice changes nothing', async () => {
    const once = await runInjectBin(['-f', WEB, '--host', 'web.example.com']);
    const twice = await runInjectBin(['--host', 'web.example.com'], once.stdout);
    assert.equal(twice.code, 0, twice.stderr);
    assert.equal(twice.stdout, once.stdout);
    assert.match(twice.stderr, /already has the sidecar, unchanged/);
  });

  it('reads several documents from stdin and leaves alone what is not an app to protect', async () => {
    const input = readFileSync(TWO_APPS, 'utf8');
    const r = await runInjectBin(['--image=registry.example.com/mirror/oauth2-sidecar:1.2.3', '--secret=sso-credentials', '--config-map=sso-config'], input);
    assert.equal(r.code, 0, r.stderr);
    const objects = parseYaml(r.stdout);
    for (const o of objects) validateObject(o);
    const before = parseYaml(input);
    assert.deepEqual(exceptApi(objects), exceptApi(before), 'the opted-out worker and the ConfigMap are untouched');
    assert.deepEqual(exceptApi(objects).map((o) => o.metadata.name), ['worker', 'api-settings']);
    assertWiring(objects);

    const api = one(objects, 'Deployment', 'api');
    assertSidecar(api, { secret: 'sso-credentials', configMap: 'sso-config', redirectUrl: null });
    assert.equal(container(api, 'oauth2-proxy').image, 'registry.example.com/mirror/oauth2-sidecar:1.2.3');
    assert.equal(envOf(container(api, 'oauth2-proxy')).OAUTH2_PROXY_UPSTREAMS, 'http://127.0.0.1:8080', "the app's container port");
    assert.deepEqual(one(objects, 'Service', 'api').spec.ports, [{ port: 8080, targetPort: 'oauth2-proxy' }]);
    assert.equal(byKind(objects, 'VirtualService').length, 0);
  });

  it('takes the upstream port from the pod annotation', async () => {
    const input = readFileSync(TWO_APPS, 'utf8').replace('labels: {app: api}\n', 'labels: {app: api}\n      annotations: {oauth2-sidecar/upstream-port: "9000"}\n');
    const r = await runInjectBin(['--workload=api'], input);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(envOf(container(one(parseYaml(r.stdout), 'Deployment', 'api'), 'oauth2-proxy')).OAUTH2_PROXY_UPSTREAMS, 'http://127.0.0.1:9000');
  });

  it('refuses what it cannot do well, naming the flag', async () => {
    const cases: Array<[string[], string | undefined, number, RegExp]> = [
      [['--host=api.example.com'], `${readFileSync(WEB, 'utf8')}---\n${readFileSync(TWO_APPS, 'utf8')}`, 1, /--host: the input has 2 workloads/],
      [['--upstream-port=4180', WEB], undefined, 2, /--upstream-port: 4180 is the sidecar's own port/],
      [['--upstream-port=http', WEB], undefined, 2, /--upstream-port: "http" is not a port number/],
      [['--host=Web_Example', WEB], undefined, 2, /--host: "Web_Example" is not a DNS host name/],
      [['--secret=Bad Name', WEB], undefined, 2, /--secret: /],
      [['--no-such-flag', WEB], undefined, 2, /--no-such-flag: unknown flag/],
      [['--workload=nope', WEB], undefined, 1, /--workload: no workload named nope/],
      [['/nonexistent/app.yaml'], undefined, 1, /\/nonexistent\/app\.yaml: no such file/],
      [[], 'kind: [unclosed', 1, /not valid YAML/],
      [[], readFileSync(WEB, 'utf8').replace('containerPort: 3000', 'containerPort: 4180'), 1, /Deployment web: container web already uses port 4180/],
    ];
    for (const [args, stdin, code, message] of cases) {
      const r = await runInjectBin(args, stdin);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '', 'nothing half-written');
    }
  });

  it('prints its usage', async () => {
    const r = await runInjectBin(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: oauth2-sidecar inject/);
  });
});

describe('the injected sidecar runs', () => {
  let idp: DevIdp;
  let echo: EchoUpstream;

  before(async () => {
    idp = await startTestIdp();
    echo = await startEchoUpstream();
  });
  after(async () => {
    await echo?.close();
    await idp?.close();
  });

  it('with the shared ConfigMaps mounted, it signs a user in to the app', async () => {
    const r = await runInjectBin(['-f', WEB, '--host', 'web.example.com', `--upstream-port=${echo.port}`]);
    assert.equal(r.code, 0, r.stderr);
    const objects = [...kustomize('deploy/kubernetes/base/shared'), ...parseYaml(r.stdout)];
    const pod = mountSidecar(objects, 'web');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proxy = await startBin(pod.args, {
      ...pod.env,
      OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer,
      OAUTH2_PROXY_HTTP_ADDRESS: `127.0.0.1:${port}`,
      OAUTH2_PROXY_REDIRECT_URL: `${url}/oauth2/callback`,
    }, /"msg":"listening"/);
    try {
      const client = createClient();
      await signIn(client, { startUrl: `${url}/oauth2/start?rd=%2Fcart`, username: 'bob', password: DEMO_PASSWORD });
      const page = await client.request(`${url}/cart`);
      assert.equal(page.status, 200);
      assert.equal(JSON.parse(page.body).headers['x-auth-request-email'], 'bob@example.com');
    } finally {
      proxy.child.kill('SIGTERM');
      await proxy.exited;
      pod.cleanup();
    }
  });
});
