// The Java example (the JDK's HttpServer), compiled with Debian's JDK in a temp dir, behind the sidecar.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/deps.js';
import { fromRoot } from '../deploy/k8s.js';
import { startPod, type RunningPod } from '../deploy/pod.js';
import { checkPod } from '../deploy/pod-checks.js';

describe('pod: Java app behind the sidecar', () => {
  let pod: RunningPod;
  let dir: string;
  before(async () => {
    const javac = requireBinary('javac');
    const java = requireBinary('java');
    dir = mkdtempSync(join(tmpdir(), 'example-java-'));
    execFileSync(javac, ['-d', dir, fromRoot('examples', 'java', 'Hello.java')], { stdio: 'pipe', timeout: 120_000 });
    pod = await startPod({ command: java, args: ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', dir, 'Hello'], ready: /listening on http:\/\/127\.0\.0\.1:8080/ });
  });
  after(async () => {
    await pod?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('greets the signed-in user; the app port is unreachable from outside', async () => {
    await checkPod(pod, /^Hello, alice! \(Java HttpServer\)\n$/);
  });
});
