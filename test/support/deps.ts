// The real parts the tests run against. A missing one is a failure, never a skip: the test setup
// (scripts/install-test-deps.sh) installs them.
import { accessSync, constants } from 'node:fs';

const CANDIDATES: Record<string, string[]> = {
  chromium: ['/usr/bin/chromium', '/usr/bin/chromium-browser'],
  'redis-server': ['/usr/bin/redis-server', '/usr/local/bin/redis-server'],
  nginx: ['/usr/sbin/nginx', '/usr/bin/nginx'],
};

export function requireBinary(name: keyof typeof CANDIDATES | string): string {
  for (const path of CANDIDATES[name] ?? [`/usr/bin/${name}`, `/usr/sbin/${name}`]) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* try the next location */
    }
  }
  throw new Error(`${name} is required by this test but was not found; run scripts/install-test-deps.sh (as root) to install it`);
}
