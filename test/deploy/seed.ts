// Turns rendered manifests into what the kubelet would hand the sidecar container: the ConfigMaps
// mounted as files and the container's env with the Secret's keys filled in.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container, one, type K8sObject } from './k8s.js';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from '../support/idp.js';
import { TEST_COOKIE_SECRET } from '../support/proxy.js';

export const TEST_SECRET_DATA: Readonly<Record<string, string>> = {
  'client-id': TEST_CLIENT_ID,
  'client-secret': TEST_CLIENT_SECRET,
  'cookie-secret': TEST_COOKIE_SECRET,
};

export interface MountedPod {
  /** The sidecar's args with mount paths rewritten to the temp dir. */
  args: string[];
  /** The sidecar's env, secrets resolved. */
  env: Record<string, string>;
  root: string;
  cleanup(): void;
}

/**
 * Writes every ConfigMap the sidecar mounts under a temp dir at its mount path, and rewrites the
 * paths in args and in the cfg's `custom_templates_dir` by prefixing that dir. Secret references
 * are filled from `secrets` (the test's client and cookie secret), never from the manifest.
 */
export function mountSidecar(objects: K8sObject[], deployment: string, secrets: Record<string, string> = TEST_SECRET_DATA): MountedPod {
  const d = one(objects, 'Deployment', deployment);
  const proxy = container(d, 'oauth2-proxy');
  const volumes = new Map<string, K8sObject>(d.spec.template.spec.volumes.map((v: K8sObject) => [v.name, v]));
  const root = mkdtempSync(join(tmpdir(), 'sidecar-pod-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const m of proxy.volumeMounts) {
      const cmName = volumes.get(m.name)?.configMap?.name;
      if (!cmName) throw new Error(`volume ${m.name} is not a ConfigMap`);
      const data = one(objects, 'ConfigMap', cmName).data as Record<string, string>;
      const dir = join(root, m.mountPath);
      mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries(data)) {
        // A cfg names other mounts by their in-container path; point them into the temp dir.
        writeFileSync(join(dir, file), file.endsWith('.cfg') ? text.replace(/^(custom_templates_dir\s*=\s*")\//m, `$1${root}/`) : text);
      }
    }
    const env: Record<string, string> = {};
    for (const e of proxy.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = `${deployment}-7d8f6b-abc12`;
      else if (ref) {
        const value = secrets[ref.key];
        if (value === undefined) throw new Error(`no test value for secret key ${ref.key}`);
        env[e.name] = value;
      } else env[e.name] = e.value;
    }
    const args = (proxy.args as string[]).map((a) => a.replace(/^(--config=)\//, `$1${root}/`));
    return { args, env, root, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
