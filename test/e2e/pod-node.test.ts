// The Node.js example (node:http, no dependencies) behind the sidecar in one pod.
import { after, before, describe, it } from 'node:test';
import { fromRoot } from '../deploy/k8s.js';
import { startPod, type RunningPod } from '../deploy/pod.js';
import { checkPod } from '../deploy/pod-checks.js';

describe('pod: Node.js app behind the sidecar', () => {
  let pod: RunningPod;
  before(async () => {
    pod = await startPod({ command: process.execPath, args: [fromRoot('examples', 'node', 'server.mjs')], ready: /listening on http:\/\/127\.0\.0\.1:8080/ });
  });
  after(async () => {
    await pod?.close();
  });

  it('greets the signed-in user; the app port is unreachable from outside', async () => {
    await checkPod(pod, /^Hello, alice! \(Node\.js\)\n$/);
  });
});
