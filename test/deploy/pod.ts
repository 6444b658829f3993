// The seed's pod, for real: a network namespace holding the sidecar (the base's configuration, as
// the kubelet would mount it, listening on 0.0.0.0:4180) and an example app on 127.0.0.1:8080,
// reached from the host over a veth pair like a Service reaches a pod IP. The OpenID Provider runs
// on the host. The sidecar accepts plain-http issuers only on loopback, so the pod reaches the
// provider through a loopback relay, the way a mesh proxy carries a pod's egress.
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { startTestIdp, type DevIdp } from '../support/idp.js';
import { createPodNetns, type PodNetns } from '../support/netns.js';
import { BIN } from '../support/spawn.js';
import { kustomize } from './k8s.js';
import { mountSidecar, type MountedPod } from './seed.js';

export interface AppCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Output that says the app is listening. */
  ready: RegExp;
}

export interface RunningPod {
  ns: PodNetns;
  idp: DevIdp;
  /** http://<pod ip>:4180 */
  url: string;
  sidecarOutput(): string;
  appOutput(): string;
  close(): Promise<void>;
}

function started(child: ChildProcess, ready: RegExp, what: string, timeoutMs = 30_000): Promise<() => string> {
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} not ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve(() => out);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${out}`));
    });
  });
}

export async function startPod(app: AppCommand): Promise<RunningPod> {
  const ns = await createPodNetns();
  let idp: DevIdp | undefined;
  let mounted: MountedPod | undefined;
  try {
    const url = `http://${ns.podIp}:4180`;
    idp = await startTestIdp({ redirectUris: [`${url}/oauth2/callback`], postLogoutRedirectUris: [`${url}/`] });
    await ns.exposeHostPort(idp.port);

    const appChild = ns.spawn(app.command, app.args, { env: { PATH: process.env.PATH ?? '', ...app.env }, cwd: app.cwd });
    const appOutput = await started(appChild, app.ready, `the app (${app.command})`);

    mounted = mountSidecar(kustomize('deploy/kubernetes/base'), 'app');
    // As written in the manifests (0.0.0.0:4180, upstream http://127.0.0.1:8080), except the two
    // values that name the test's own provider and the pod's test address.
    const sidecar = ns.spawn(process.execPath, [BIN, ...mounted.args], {
      env: { PATH: process.env.PATH ?? '', ...mounted.env, OAUTH2_PROXY_OIDC_ISSUER_URL: idp.issuer, OAUTH2_PROXY_REDIRECT_URL: `${url}/oauth2/callback` },
    });
    const sidecarOutput = await started(sidecar, /"msg":"listening"/, 'the sidecar');
    const pod = mounted;
    const provider = idp;
    return {
      ns,
      idp: provider,
      url,
      sidecarOutput,
      appOutput,
      async close() {
        sidecar.kill('SIGTERM');
        if (sidecar.exitCode === null) await once(sidecar, 'exit');
        await ns.close();
        await provider.close();
        pod.cleanup();
      },
    };
  } catch (err) {
    await ns.close();
    await idp?.close();
    mounted?.cleanup();
    throw err;
  }
}
