// The sidecar container and the volumes it needs, added to a pod spec. Shared by the offline
// `inject` command and the admission webhook, so a pod looks the same whichever way it got it.
// Plain JSON shapes: the caller turns the plan into YAML edits or a JSONPatch.

export const SIDECAR_NAME = 'oauth2-proxy';
export const SIDECAR_PORT = 4180;
export const SIDECAR_PORT_NAME = 'oauth2-proxy';
export const CONFIG_VOLUME = 'oauth2-proxy-config';
export const TEMPLATES_VOLUME = 'oauth2-proxy-templates';
export const ANNOTATION_INJECT = 'oauth2-sidecar/inject';
export const ANNOTATION_UPSTREAM_PORT = 'oauth2-sidecar/upstream-port';
export const ANNOTATION_HOST = 'oauth2-sidecar/host';
export const ANNOTATION_STATUS = 'oauth2-sidecar/status';
export const DEFAULT_UPSTREAM_PORT = 8080;
/** Measured: peak RSS about 113 MiB through 20,000 authenticated requests (docs/kubernetes.md). */
export const SIDECAR_NODE_OPTIONS = '--max-old-space-size=48 --max-semi-space-size=4';

export interface SidecarOptions {
  image: string;
  configMap: string;
  templatesConfigMap: string;
  secret: string;
  upstreamPort: number;
  /** The app's public host; sets the redirect URL. Without it the callback URL follows the request host. */
  host?: string;
  /** V8 heap limits that keep the process inside the container's 128Mi memory limit. */
  nodeOptions: string;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface PodSpecPlan {
  /** Already carries the sidecar: nothing to do. */
  injected: boolean;
  container: JsonObject;
  /** Volumes to add (those the pod does not have yet). */
  volumes: JsonObject[];
}

function secretEnv(name: string, secret: string, key: string): JsonObject {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

export function sidecarContainer(o: SidecarOptions): JsonObject {
  const env: JsonObject[] = [
    secretEnv('OAUTH2_PROXY_CLIENT_ID', o.secret, 'client-id'),
    secretEnv('OAUTH2_PROXY_CLIENT_SECRET', o.secret, 'client-secret'),
    secretEnv('OAUTH2_PROXY_COOKIE_SECRET', o.secret, 'cookie-secret'),
  ];
  if (o.host !== undefined) env.push({ name: 'OAUTH2_PROXY_REDIRECT_URL', value: `https://${o.host}/oauth2/callback` });
  env.push(
    { name: 'OAUTH2_PROXY_UPSTREAMS', value: `http://127.0.0.1:${o.upstreamPort}` },
    { name: 'OAUTH2_PROXY_LOGGING_FORMAT', value: 'json' },
    { name: 'CONTAINER_NAME', value: SIDECAR_NAME },
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'NODE_OPTIONS', value: o.nodeOptions },
  );
  const probe = (path: string, periodSeconds: number): JsonObject => ({
    httpGet: { path, port: SIDECAR_PORT_NAME },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  return {
    name: SIDECAR_NAME,
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['--config=/etc/oauth2-proxy/oauth2_proxy.cfg'],
    env,
    ports: [{ name: SIDECAR_PORT_NAME, containerPort: SIDECAR_PORT, protocol: 'TCP' }],
    livenessProbe: probe('/ping', 10),
    readinessProbe: probe('/ready', 5),
    resources: { requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '128Mi', cpu: '200m' } },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: '/etc/oauth2-proxy', readOnly: true },
      { name: TEMPLATES_VOLUME, mountPath: '/templates', readOnly: true },
    ],
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): JsonObject[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

export function hasSidecar(podSpec: unknown): boolean {
  if (!isObject(podSpec)) return false;
  return [...list(podSpec.containers), ...list(podSpec.initContainers)].some((c) => c.name === SIDECAR_NAME);
}

/** What to add to a pod spec; throws when the pod already uses a name or port the sidecar needs. */
export function planPodSpec(podSpec: unknown, o: SidecarOptions): PodSpecPlan {
  const container = sidecarContainer(o);
  if (hasSidecar(podSpec)) return { injected: true, container, volumes: [] };
  const spec = isObject(podSpec) ? podSpec : {};
  for (const c of list(spec.containers)) {
    for (const p of list(c.ports)) {
      if (p.containerPort === SIDECAR_PORT) throw new Error(`container ${String(c.name)} already uses port ${SIDECAR_PORT}, which the sidecar listens on`);
      if (p.name === SIDECAR_PORT_NAME) throw new Error(`container ${String(c.name)} already has a port named ${SIDECAR_PORT_NAME}`);
    }
  }
  const existing = new Map(list(spec.volumes).map((v) => [v.name, v]));
  const volumes: JsonObject[] = [];
  for (const [name, configMap] of [[CONFIG_VOLUME, o.configMap], [TEMPLATES_VOLUME, o.templatesConfigMap]] as const) {
    const v = existing.get(name);
    if (v === undefined) volumes.push({ name, configMap: { name: configMap } });
    else if (!isObject(v.configMap) || v.configMap.name !== configMap) throw new Error(`the pod already has a volume named ${name} that is not ConfigMap ${configMap}`);
  }
  return { injected: false, container, volumes };
}

export function parsePort(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new Error(`${what}: ${JSON.stringify(value)} is not a port number (1-65535)`);
  if (n === SIDECAR_PORT) throw new Error(`${what}: ${n} is the sidecar's own port`);
  return n;
}

const HOST = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export function parseHost(value: string, what: string): string {
  if (!HOST.test(value)) throw new Error(`${what}: ${JSON.stringify(value)} is not a DNS host name`);
  return value;
}

/** The first port of the first app container, the usual place an app listens. */
export function guessUpstreamPort(podSpec: unknown): number | undefined {
  if (!isObject(podSpec)) return undefined;
  for (const c of list(podSpec.containers)) {
    for (const p of list(c.ports)) if (typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}
