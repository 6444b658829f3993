// Adds the sidecar to workload manifests, offline: multi-document YAML in, the same YAML out with
// the sidecar container, its volumes and probes added, the app's Service pointed at the sidecar,
// and a VirtualService for the app's host. Edits are made on the YAML documents themselves, so
// comments and formatting of everything else survive, and a second run changes nothing.
import { Document, isMap, parseAllDocuments } from 'yaml';
import {
  ANNOTATION_INJECT,
  ANNOTATION_STATUS,
  ANNOTATION_UPSTREAM_PORT,
  DEFAULT_UPSTREAM_PORT,
  guessUpstreamPort,
  parsePort,
  planPodSpec,
  SIDECAR_PORT,
  SIDECAR_PORT_NAME,
  type JsonObject,
  type SidecarOptions,
} from './sidecar.js';

export interface InjectOptions extends Omit<SidecarOptions, 'upstreamPort'> {
  /** Overrides the annotation and the guess from the app's container ports. */
  upstreamPort?: number;
  /** Only this workload (by name); default every workload in the input. */
  workload?: string;
  /** Istio Gateway the VirtualService binds to. */
  gateway: string;
}

export interface InjectResult {
  yaml: string;
  /** One line per change, for the operator. */
  notes: string[];
}

const POD_SPEC_PATH: Record<string, string[]> = {
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Pod: ['spec'],
};

interface Injected {
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  upstreamPort: number;
  /** Container port names of the app that carry the upstream port. */
  upstreamPortNames: Set<string>;
}

type Obj = JsonObject & { kind?: string; metadata?: JsonObject };

function asObject(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

function dig(obj: JsonObject, path: string[]): JsonObject {
  return path.reduce<JsonObject>((v, k) => asObject(v[k]), obj);
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asObject(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

function setAnnotation(doc: Document, metadataPath: string[], key: string, value: string): void {
  const annotations = doc.getIn([...metadataPath, 'annotations']);
  if (isMap(annotations)) annotations.set(key, value);
  else doc.setIn([...metadataPath, 'annotations'], doc.createNode({ [key]: value }));
}

export function injectManifests(text: string, o: InjectOptions): InjectResult {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new Error('the input is not YAML');
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`the input is not valid YAML: ${d.errors[0]!.message}`);
  }
  const objects = docs.map((d) => asObject(d.toJS()) as Obj);
  const notes: string[] = [];

  const candidates = objects
    .map((obj, i) => ({ obj, i }))
    .filter(({ obj }) => typeof obj.kind === 'string' && POD_SPEC_PATH[obj.kind] !== undefined)
    .filter(({ obj }) => o.workload === undefined || asObject(obj.metadata).name === o.workload)
    .filter(({ obj }) => {
      const podMeta = obj.kind === 'Pod' ? obj.metadata : asObject(asObject(asObject(obj.spec).template).metadata);
      return strings(asObject(podMeta).annotations)[ANNOTATION_INJECT] !== 'false' && strings(asObject(obj.metadata).annotations)[ANNOTATION_INJECT] !== 'false';
    });
  if (o.workload !== undefined && candidates.length === 0) throw new Error(`--workload: no workload named ${o.workload} in the input`);
  if (o.host !== undefined && candidates.length > 1) {
    throw new Error(`--host: the input has ${candidates.length} workloads, and one host belongs to one app; choose one with --workload`);
  }

  const injected: Injected[] = [];
  for (const { obj, i } of candidates) {
    const doc = docs[i]!;
    const kind = obj.kind as string;
    const specPath = POD_SPEC_PATH[kind]!;
    const metadataPath = kind === 'Pod' ? ['metadata'] : ['spec', 'template', 'metadata'];
    const podSpec = dig(obj, specPath);
    const podMeta = dig(obj, metadataPath);
    const name = String(asObject(obj.metadata).name ?? '');
    const annotated = strings(podMeta.annotations)[ANNOTATION_UPSTREAM_PORT];
    const upstreamPort =
      o.upstreamPort ??
      (annotated !== undefined ? parsePort(annotated, `${kind} ${name}: annotation ${ANNOTATION_UPSTREAM_PORT}`) : undefined) ??
      guessUpstreamPort(podSpec) ??
      DEFAULT_UPSTREAM_PORT;
    let plan;
    try {
      plan = planPodSpec(podSpec, { ...o, upstreamPort });
    } catch (err) {
      throw new Error(`${kind} ${name}: ${(err as Error).message}`);
    }
    const upstreamPortNames = new Set<string>();
    for (const c of Array.isArray(podSpec.containers) ? podSpec.containers : []) {
      for (const p of Array.isArray(asObject(c).ports) ? (asObject(c).ports as JsonObject[]) : []) {
        if (p.containerPort === upstreamPort && typeof p.name === 'string') upstreamPortNames.add(p.name);
      }
    }
    injected.push({ name, namespace: asObject(obj.metadata).namespace as string | undefined, labels: strings(podMeta.labels), upstreamPort, upstreamPortNames });
    if (plan.injected) {
      notes.push(`${kind.toLowerCase()}/${name}: already has the sidecar, unchanged`);
      continue;
    }
    doc.addIn([...specPath, 'containers'], doc.createNode(plan.container));
    if (plan.volumes.length > 0) {
      if (doc.getIn([...specPath, 'volumes']) === undefined) doc.setIn([...specPath, 'volumes'], doc.createNode(plan.volumes));
      else for (const v of plan.volumes) doc.addIn([...specPath, 'volumes'], doc.createNode(v));
    }
    setAnnotation(doc, metadataPath, ANNOTATION_STATUS, 'injected');
    notes.push(`${kind.toLowerCase()}/${name}: sidecar added in front of 127.0.0.1:${upstreamPort}`);
  }

  // Services that select an injected pod: their app port now leads to the sidecar instead.
  const routes = new Map<Injected, { service: string; port: number }>();
  objects.forEach((obj, i) => {
    if (obj.kind !== 'Service') return;
    const spec = asObject(obj.spec);
    const selector = strings(spec.selector);
    const entries = Object.entries(selector);
    if (entries.length === 0) return;
    const target = injected.find((w) => entries.every(([k, v]) => w.labels[k] === v) && (w.namespace ?? '') === (asObject(obj.metadata).namespace ?? ''));
    if (!target) return;
    const svcName = String(asObject(obj.metadata).name ?? '');
    const ports = Array.isArray(spec.ports) ? (spec.ports as JsonObject[]) : [];
    ports.forEach((p, j) => {
      const targetPort = p.targetPort ?? p.port;
      const toApp = targetPort === target.upstreamPort || (typeof targetPort === 'string' && target.upstreamPortNames.has(targetPort));
      const toSidecar = targetPort === SIDECAR_PORT || targetPort === SIDECAR_PORT_NAME;
      if (toApp) {
        docs[i]!.setIn(['spec', 'ports', j, 'targetPort'], SIDECAR_PORT_NAME);
        notes.push(`service/${svcName}: port ${String(p.port)} now leads to the sidecar (was ${String(targetPort)})`);
      }
      if ((toApp || toSidecar) && !routes.has(target) && typeof p.port === 'number') routes.set(target, { service: svcName, port: p.port });
    });
  });
  for (const w of injected) {
    if (!routes.has(w)) notes.push(`warning: no Service in the input sends traffic to ${w.name}'s port ${w.upstreamPort}; point one at port ${SIDECAR_PORT_NAME}`);
  }

  const out = docs.map((d) => d.toString({ lineWidth: 0 }).replace(/^---\n/, ''));
  if (o.host !== undefined) {
    const w = injected[0];
    const route = w && routes.get(w);
    const exists = objects.some((obj) => obj.kind === 'VirtualService' && Array.isArray(asObject(obj.spec).hosts) && (asObject(obj.spec).hosts as unknown[]).includes(o.host));
    if (w && route && !exists) {
      const metadata: JsonObject = { name: w.name };
      if (w.namespace !== undefined) metadata.namespace = w.namespace;
      const vs = {
        apiVersion: 'networking.istio.io/v1beta1',
        kind: 'VirtualService',
        metadata,
        spec: { hosts: [o.host], gateways: [o.gateway], http: [{ route: [{ destination: { host: route.service, port: { number: route.port } } }] }] },
      };
      out.push(new Document(vs).toString({ lineWidth: 0 }));
      notes.push(`virtualservice/${w.name}: ${o.host} through gateway ${o.gateway} to service ${route.service}:${route.port}`);
    } else if (w && !route) {
      notes.push(`warning: no VirtualService written for ${o.host}: there is no Service for ${w.name} in the input`);
    }
  }
  return { yaml: out.map((s) => (s.endsWith('\n') ? s : s + '\n')).join('---\n'), notes };
}
