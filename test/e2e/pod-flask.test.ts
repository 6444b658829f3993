// The seed's own example: the Flask app (Debian's python3-flask) behind the sidecar in one pod.
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/deps.js';
import { fromRoot } from '../deploy/k8s.js';
import { startPod, type RunningPod } from '../deploy/pod.js';
import { checkPod } from '../deploy/pod-checks.js';

describe('pod: Python/Flask app behind the sidecar', () => {
  let pod: RunningPod;
  before(async () => {
    pod = await startPod({
      command: requireBinary('python3'),
      args: [fromRoot('examples', 'python-flask', 'app.py')],
      env: { PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
      ready: /Running on http:\/\/127\.0\.0\.1:8080/,
    });
  });
  after(async () => {
    await pod?.close();
  });

  it('greets the signed-in user; the app port is unreachable from outside', async () => {
    await checkPod(pod, /^Hello, alice! \(Python\/Flask\)\n$/);
  });
});
