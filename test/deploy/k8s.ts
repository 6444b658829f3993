// Kubernetes objects for the tests: rendered with the real kustomize (kubectl kustomize), parsed
// with yaml, and validated against the Kubernetes API schemas (kubernetes-models). Istio objects
// have no published schema there, so they are checked for the fields Istio requires.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Namespace, Pod, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { parseAllDocuments } from 'yaml';
import { requireBinary } from '../support/deps.js';
import { projectRoot } from '../support/paths.js';

// Loose on purpose: tests reach into whatever part of an object they check.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

interface Validating {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validating> = {
  'apps/v1/Deployment': Deployment,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/Pod': Pod,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': MutatingWebhookConfiguration,
};

export function fromRoot(...parts: string[]): string {
  return join(projectRoot(), ...parts);
}

export function parseYaml(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as K8sObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

export function readYaml(...parts: string[]): K8sObject[] {
  return parseYaml(readFileSync(fromRoot(...parts), 'utf8'));
}

export function kubectl(): string {
  try {
    return requireBinary('kubectl');
  } catch {
    throw new Error(
      'kubectl is required to render the kustomizations (kubectl kustomize) but was not found. Debian bookworm has no ' +
        'kubectl package: install it from https://pkgs.k8s.io (apt) or as a static binary, then run the tests again',
    );
  }
}

/** `kubectl kustomize <dir>` (dir relative to the project root), parsed. */
export function kustomize(dir: string): K8sObject[] {
  const text = execFileSync(kubectl(), ['kustomize', fromRoot(dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  return parseYaml(text);
}

const ISTIO_REQUIRED: Record<string, string[]> = {
  Gateway: ['selector', 'servers'],
  VirtualService: ['hosts', 'http'],
};

/** Throws naming the object when it does not match its API schema. */
export function validateObject(obj: K8sObject): void {
  const where = `${obj?.kind ?? '?'} ${obj?.metadata?.name ?? '?'}`;
  if (typeof obj?.apiVersion !== 'string' || typeof obj.kind !== 'string') throw new Error(`${where}: apiVersion and kind are required`);
  if (typeof obj.metadata?.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(obj.metadata.name)) {
    throw new Error(`${where}: metadata.name must be a DNS-1123 name`);
  }
  if (obj.apiVersion.startsWith('networking.istio.io/')) {
    const required = ISTIO_REQUIRED[obj.kind];
    if (!required) throw new Error(`${where}: unexpected Istio kind`);
    if (!['networking.istio.io/v1', 'networking.istio.io/v1beta1'].includes(obj.apiVersion)) throw new Error(`${where}: unknown Istio API version ${obj.apiVersion}`);
    for (const field of required) {
      if (obj.spec?.[field] === undefined) throw new Error(`${where}: spec.${field} is required`);
    }
    if (obj.kind === 'VirtualService') {
      for (const route of obj.spec.http) {
        for (const r of route.route ?? []) {
          if (typeof r.destination?.host !== 'string') throw new Error(`${where}: every route needs destination.host`);
        }
      }
    }
    return;
  }
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`${where}: no schema known for ${obj.apiVersion} ${obj.kind}`);
  try {
    new Model(obj as never).validate();
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ' ' + name : ''}, found ${found.length}`);
  return found[0]!;
}

export function container(deployment: K8sObject, name: string): K8sObject {
  const spec = deployment.kind === 'Pod' ? deployment.spec : deployment.spec.template.spec;
  const c = spec.containers.find((x: { name: string }) => x.name === name);
  if (!c) throw new Error(`${deployment.metadata.name}: no container ${name}`);
  return c;
}

/** Env as name → value; secret references as `secret:<name>/<key>`, downward-API fields as `field:<path>`. */
export function envOf(c: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    out[e.name] = ref ? `secret:${ref.name}/${ref.key}` : field ? `field:${field}` : e.value;
  }
  return out;
}
