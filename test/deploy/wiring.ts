// How the objects of one rendering must refer to each other for traffic to reach the sidecar.
import assert from 'node:assert/strict';
import { byKind, one, type K8sObject } from './k8s.js';
import { podSpecOf } from './sidecar-shape.js';

function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** Service → pods → port (the sidecar's, when the pod has one); VirtualService → Service; PDB/NetworkPolicy → pods. */
/** `sidecarOnly: false` accepts Service ports to other container ports too (an app's metrics), as long as one reaches the sidecar. */
export function assertWiring(objects: K8sObject[], opts: { sidecarOnly?: boolean } = {}): void {
  const sidecarOnly = opts.sidecarOnly ?? true;
  const deployments = byKind(objects, 'Deployment');
  const selected = (selector: Record<string, string>) => deployments.filter((d) => labelsMatch(selector, d.spec.template.metadata.labels));
  for (const d of deployments) {
    assert.ok(labelsMatch(d.spec.selector.matchLabels, d.spec.template.metadata.labels), `${d.metadata.name}: selector matches its pods`);
  }
  for (const svc of byKind(objects, 'Service')) {
    const pods = selected(svc.spec.selector);
    assert.equal(pods.length, 1, `${svc.metadata.name}: selects exactly one Deployment`);
    const containers: K8sObject[] = podSpecOf(pods[0]!).containers;
    const hasSidecar = containers.some((c) => c.name === 'oauth2-proxy');
    for (const p of svc.spec.ports) {
      const target = containers.flatMap((c) => c.ports ?? []).find((cp: K8sObject) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
      assert.ok(target, `${svc.metadata.name}: port ${p.port} leads to a container port`);
      if (hasSidecar && sidecarOnly) assert.equal(target.containerPort, 4180, `${svc.metadata.name}: every Service port leads to the sidecar, never to the app`);
    }
    if (hasSidecar) {
      const reaches = svc.spec.ports.some((p: K8sObject) => p.targetPort === 4180 || containers.some((c) => (c.ports ?? []).some((cp: K8sObject) => cp.name === p.targetPort && cp.containerPort === 4180)));
      assert.ok(reaches, `${svc.metadata.name}: a port leads to the sidecar`);
    }
  }
  for (const vs of byKind(objects, 'VirtualService')) {
    for (const route of vs.spec.http) {
      for (const r of route.route) {
        const svc = one(objects, 'Service', r.destination.host);
        assert.ok(svc.spec.ports.some((p: K8sObject) => p.port === r.destination.port.number), `${vs.metadata.name}: routes to a port of ${svc.metadata.name}`);
      }
    }
  }
  for (const pdb of byKind(objects, 'PodDisruptionBudget')) {
    assert.equal(selected(pdb.spec.selector.matchLabels).length, 1, `${pdb.metadata.name}: covers one Deployment`);
  }
  for (const np of byKind(objects, 'NetworkPolicy')) {
    const pods = selected(np.spec.podSelector.matchLabels);
    assert.equal(pods.length, 1, `${np.metadata.name}: applies to one Deployment`);
    if (podSpecOf(pods[0]!).containers.some((c: K8sObject) => c.name === 'oauth2-proxy')) {
      assert.deepEqual(np.spec.ingress.flatMap((i: K8sObject) => i.ports.map((p: K8sObject) => p.port)), [4180], `${np.metadata.name}: only the sidecar's port admits traffic`);
    }
  }
}

