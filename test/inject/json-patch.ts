// Applies the `add` operations of an RFC 6902 JSONPatch, as the API server does with a webhook's
// patch: every parent must exist, `-` appends to an array.
import type { K8sObject } from '../deploy/k8s.js';

export function applyJsonPatch(doc: K8sObject, ops: Array<{ op: string; path: string; value: unknown }>): K8sObject {
  const out = structuredClone(doc);
  for (const { op, path, value } of ops) {
    if (op !== 'add') throw new Error(`unsupported op ${op}`);
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop()!;
    let parent: any = out; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const k of keys) {
      if (parent[k] === undefined) throw new Error(`${path}: ${k} does not exist`);
      parent = parent[k];
    }
    if (Array.isArray(parent)) {
      if (last === '-') parent.push(value);
      else parent.splice(Number(last), 0, value);
    } else parent[last] = value;
  }
  return out;
}
