// The admission decision, without any HTTP: an AdmissionReview v1 in, an AdmissionReview v1 out,
// with a base64 JSONPatch that adds the sidecar to pods annotated oauth2-sidecar/inject: "true".
// Pods without the annotation, and pods that already carry the sidecar, are allowed unchanged.
// A pod that asks for the sidecar but cannot have it is refused, never admitted unprotected.
import {
  ANNOTATION_HOST,
  ANNOTATION_INJECT,
  ANNOTATION_STATUS,
  ANNOTATION_UPSTREAM_PORT,
  DEFAULT_UPSTREAM_PORT,
  hasSidecar,
  parseHost,
  parsePort,
  planPodSpec,
  type Json,
  type JsonObject,
  type SidecarOptions,
} from './sidecar.js';

export type WebhookSidecarOptions = Omit<SidecarOptions, 'upstreamPort' | 'host'>;

export interface PatchOp {
  op: 'add';
  path: string;
  value: Json;
}

export type Decision =
  | { outcome: 'skipped'; reason: string }
  | { outcome: 'injected'; patch: PatchOp[]; upstreamPort: number }
  | { outcome: 'denied'; message: string };

export class BadReview extends Error {}

function asObject(v: unknown): JsonObject | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : undefined;
}

/** RFC 6901: `~` and `/` inside a key. */
function pointerKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function decidePod(pod: unknown, o: WebhookSidecarOptions): Decision {
  const obj = asObject(pod);
  const metadata = asObject(obj?.metadata) ?? {};
  const annotations = asObject(metadata.annotations) ?? {};
  if (annotations[ANNOTATION_INJECT] !== 'true') return { outcome: 'skipped', reason: `not annotated ${ANNOTATION_INJECT}: "true"` };
  const spec = asObject(obj?.spec);
  if (!spec) return { outcome: 'denied', message: 'the pod has no spec' };
  if (hasSidecar(spec)) return { outcome: 'skipped', reason: 'already has the sidecar' };

  let upstreamPort = DEFAULT_UPSTREAM_PORT;
  let host: string | undefined;
  let plan;
  try {
    const port = annotations[ANNOTATION_UPSTREAM_PORT];
    if (port !== undefined) upstreamPort = parsePort(String(port), `annotation ${ANNOTATION_UPSTREAM_PORT}`);
    const h = annotations[ANNOTATION_HOST];
    if (h !== undefined) host = parseHost(String(h), `annotation ${ANNOTATION_HOST}`);
    plan = planPodSpec(spec, { ...o, upstreamPort, ...(host !== undefined ? { host } : {}) });
  } catch (err) {
    return { outcome: 'denied', message: `oauth2-sidecar cannot be injected: ${(err as Error).message}` };
  }

  const patch: PatchOp[] = [{ op: 'add', path: '/spec/containers/-', value: plan.container }];
  if (plan.volumes.length > 0) {
    if (Array.isArray(spec.volumes)) for (const v of plan.volumes) patch.push({ op: 'add', path: '/spec/volumes/-', value: v });
    else patch.push({ op: 'add', path: '/spec/volumes', value: plan.volumes });
  }
  patch.push({ op: 'add', path: `/metadata/annotations/${pointerKey(ANNOTATION_STATUS)}`, value: 'injected' });
  return { outcome: 'injected', patch, upstreamPort };
}

export interface ReviewResult {
  review: JsonObject;
  decision: Decision;
  uid: string;
}

export function reviewAdmission(body: unknown, o: WebhookSidecarOptions): ReviewResult {
  const review = asObject(body);
  if (!review || review.apiVersion !== 'admission.k8s.io/v1' || review.kind !== 'AdmissionReview') {
    throw new BadReview('expected an admission.k8s.io/v1 AdmissionReview');
  }
  const request = asObject(review.request);
  const uid = request?.uid;
  if (!request || typeof uid !== 'string' || uid === '') throw new BadReview('the AdmissionReview has no request.uid');
  const kind = asObject(request.kind);
  const decision: Decision =
    kind?.kind === 'Pod' && (kind.group ?? '') === ''
      ? decidePod(request.object, o)
      : { outcome: 'skipped', reason: `not a Pod (${String(kind?.kind)})` };

  const response: JsonObject = { uid, allowed: decision.outcome !== 'denied' };
  if (decision.outcome === 'injected') {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(decision.patch)).toString('base64');
  }
  if (decision.outcome === 'denied') response.status = { code: 403, message: decision.message };
  return { review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }, decision, uid };
}
