// The Dockerfile, checked without a container runtime (none here): multi-stage, production
// dependencies only in the runtime stage, non-root, no shell, node as the entry point running the
// launcher the runtime stage actually contains, and a build context limited by .dockerignore.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fromRoot } from './k8s.js';

const dockerfile = readFileSync(fromRoot('Dockerfile'), 'utf8');
const stages = dockerfile.split(/^FROM /m).slice(1).map((s) => 'FROM ' + s);
const runtime = stages.at(-1)!;

describe('Dockerfile', () => {
  it('builds in one stage, installs production dependencies in another, runs from a distroless base', () => {
    assert.equal(stages.length, 3);
    assert.match(stages[0]!, /npm ci --ignore-scripts/);
    assert.match(stages[0]!, /tsc -p tsconfig\.json/);
    assert.match(stages[1]!, /npm ci --omit=dev/);
    assert.match(runtime, /^FROM gcr\.io\/distroless\/nodejs20-debian12:nonroot/);
    assert.doesNotMatch(runtime, /^RUN /m, 'nothing runs in the final stage: there is no shell');
  });

  it('runs as a non-root user with node as PID 1 on the launcher', () => {
    assert.match(runtime, /^USER 65532:65532$/m);
    const entry = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(runtime)![1]!) as string[];
    assert.equal(entry[0], '/nodejs/bin/node');
    assert.equal(entry[1], '/app/bin/oauth2-sidecar.js');
    assert.match(runtime, /^COPY bin \.\/bin$/m);
    // The launcher imports ../dist/src/main.js: the runtime stage must put the build there.
    assert.match(readFileSync(fromRoot('bin', 'oauth2-sidecar.js'), 'utf8'), /'\.\.\/dist\/src\/main\.js'/);
    assert.match(runtime, /^COPY --from=build \/out\/src \.\/dist\/src$/m);
    assert.match(runtime, /^EXPOSE 4180$/m);
    assert.match(runtime, /NODE_OPTIONS="--max-old-space-size=48 --max-semi-space-size=4"/);
  });

  it('copies only what exists and what .dockerignore lets in', () => {
    const allowed = readFileSync(fromRoot('.dockerignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) {
        assert.ok(existsSync(fromRoot(src)), `${src} exists`);
        assert.ok(allowed.includes(src.replace(/\/$/, '')), `${src} is in the build context`);
      }
    }
  });
});
