// The Go example (net/http), compiled with Debian's golang-go in a temp dir, behind the sidecar.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/deps.js';
import { fromRoot } from '../deploy/k8s.js';
import { startPod, type RunningPod } from '../deploy/pod.js';
import { checkPod } from '../deploy/pod-checks.js';

describe('pod: Go app behind the sidecar', () => {
  let pod: RunningPod;
  let dir: string;
  before(async () => {
    const go = requireBinary('go');
    dir = mkdtempSync(join(tmpdir(), 'example-go-'));
    for (const f of ['main.go', 'go.mod']) copyFileSync(fromRoot('examples', 'go', f), join(dir, f));
    // The build cache outlives the run, so only the first run compiles the standard library.
    const cache = join(tmpdir(), 'oauth2-sidecar-test-gocache');
    mkdirSync(cache, { recursive: true });
    execFileSync(go, ['build', '-o', join(dir, 'hello'), '.'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, GOCACHE: cache, GOPATH: join(dir, 'gopath'), GOPROXY: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
      stdio: 'pipe',
      timeout: 170_000,
    });
    pod = await startPod({ command: join(dir, 'hello'), args: [], ready: /listening on http:\/\/127\.0\.0\.1:8080/ });
  });
  after(async () => {
    await pod?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('greets the signed-in user; the app port is unreachable from outside', async () => {
    await checkPod(pod, /^Hello, alice! \(Go net\/http\)\n$/);
  });
});
