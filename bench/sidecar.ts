// oauth2-sidecar in each mode the benchmark loads: started from bin/ as an operator would start it
// (a separate process, flags only), signed in through the real OIDC flow against the bench provider.
import { openSync, closeSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/ports.js';
import { SIDECAR_NODE_OPTIONS } from '../src/inject/sidecar.js';
import { BENCH_CLIENT_ID, BENCH_CLIENT_SECRET } from './lib/idp.js';
import { start, stop, type Started } from './lib/procs.js';
import { signInForCookie } from './lib/signin.js';
import type { Target } from './lib/target.js';

const BIN = resolve(fileURLToPath(new URL('../../bin/oauth2-sidecar.js', import.meta.url)));
export const COOKIE_SECRET = 'bench-cookie-secret-0123456789ab';

export interface SidecarOptions {
  issuer: string;
  upstreamUrl: string;
  /** Extra flags for this mode. */
  flags?: string[];
  /** Node options before the script, e.g. --cpu-prof for a profiled run. */
  nodeArgs?: string[];
}

export interface RunningSidecar {
  url: string;
  port: number;
  process: Started;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * The flags every row shares: a plain sidecar configuration for loopback http. Request logging is
 * off because every peer runs without an access log; errors still go to the log file.
 */
function baseFlags(port: number, o: SidecarOptions): string[] {
  return [
    `--http-address=127.0.0.1:${port}`,
    `--upstream=${o.upstreamUrl}`,
    '--provider=oidc',
    `--oidc-issuer-url=${o.issuer}`,
    `--client-id=${BENCH_CLIENT_ID}`,
    `--client-secret=${BENCH_CLIENT_SECRET}`,
    `--cookie-secret=${COOKIE_SECRET}`,
    '--email-domain=*',
    '--cookie-secure=false',
    `--redirect-url=http://127.0.0.1:${port}/oauth2/callback`,
    '--request-logging=false',
    ...(o.flags ?? []),
  ];
}

export async function startSidecar(o: SidecarOptions): Promise<RunningSidecar> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-sidecar-'));
  const logFile = join(dir, 'sidecar.log');
  // Output goes to a file rather than a pipe, so reading it costs the benchmark no CPU under load.
  const fd = openSync(logFile, 'a');
  let proc: Started;
  try {
    // The Node settings every shipped deployment runs with (the image, the manifests, the chart and
    // `oauth2-sidecar inject` all set them), so the figures are those of a deployed sidecar.
    const env = { ...process.env, NODE_OPTIONS: SIDECAR_NODE_OPTIONS, MALLOC_ARENA_MAX: '2' };
    proc = await start(process.execPath, [...(o.nodeArgs ?? []), BIN, ...baseFlags(port, o)], { stdio: ['ignore', fd, fd], env });
  } finally {
    closeSync(fd);
  }
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(url, proc, logFile);
  return {
    url, port, process: proc, logFile,
    stop: async () => { await stop(proc); rmSync(dir, { recursive: true, force: true }); },
  };
}

async function waitForReady(url: string, proc: Started, logFile: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`oauth2-sidecar exited at start; see ${logFile}`);
    try {
      const r = await fetch(`${url}/ready`);
      if (r.status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`oauth2-sidecar not ready within ${timeoutMs} ms; see ${logFile}`);
}

function asTarget(s: RunningSidecar, key: string, label: string, url: string, headers: Record<string, string>, extraStop?: () => Promise<void>): Target {
  return {
    key, label, url, headers, reachesUpstream: true,
    pids: () => [s.process.pid],
    stop: async () => { await extraStop?.(); await s.stop(); },
  };
}

/** Cookie sessions, the default: the whole session in an encrypted cookie. */
export async function sidecarCookie(o: SidecarOptions, flags: string[] = [], key = 'sidecar-cookie', label = 'oauth2-sidecar, cookie sessions'): Promise<Target> {
  const s = await startSidecar({ ...o, flags });
  try {
    const cookie = await signInForCookie(`${s.url}/`);
    return asTarget(s, key, label, `${s.url}/`, { cookie });
  } catch (err) {
    await s.stop();
    throw err;
  }
}

/** Cookie sessions behind a six-route --policy-file whose last route decides: what per-route rules cost. */
export async function sidecarPolicy(o: SidecarOptions): Promise<Target> {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-policy-')), 'policy.yaml');
  writeFileSync(file, `routes:
  - { id: assets, path: /static/, methods: [GET, HEAD], allowPublic: true }
  - { id: ops, host: ops.example.com, allow: { groups: [admins] } }
  - { id: admin, path: /admin/, allow: { groups: [admins], domains: [example.com] } }
  - { id: reports, pathRegex: '^/reports/[0-9]+$', allow: { roles: [analyst] } }
  - { id: writes, methods: [POST, PUT, DELETE], path: /api/, allow: { groups: [writers] } }
  - { id: everyone, path: /, allow: { authenticated: true } }
`);
  return sidecarCookie(o, [`--policy-file=${file}`], 'sidecar-policy', 'oauth2-sidecar, cookie sessions, --policy-file (6 routes)');
}

/** The same hop with authentication skipped for the path: what the proxy costs without auth. */
export async function sidecarSkipAuth(o: SidecarOptions): Promise<Target> {
  const s = await startSidecar({ ...o, flags: ['--skip-auth-route=^/'] });
  return asTarget(s, 'sidecar-skip-auth', 'oauth2-sidecar, skip-auth route (no auth work)', `${s.url}/`, {});
}

/** Sessions in Redis: the cookie carries a ticket, each request reads the session from Redis. */
export async function sidecarRedis(o: SidecarOptions, redisUrl: string): Promise<Target> {
  return sidecarCookie(o, ['--session-store-type=redis', `--redis-connection-url=${redisUrl}`], 'sidecar-redis', 'oauth2-sidecar, Redis sessions');
}

/** Bearer JWTs (client_credentials access tokens), verified against the provider's key set. */
export async function sidecarJwt(o: SidecarOptions): Promise<Target> {
  const s = await startSidecar({ ...o, flags: ['--skip-jwt-bearer-tokens=true', `--extra-jwt-issuers=${o.issuer}=${o.issuer}/api`] });
  try {
    const token = await clientCredentialsToken(o.issuer);
    const headers = { authorization: `Bearer ${token}` };
    const r = await fetch(`${s.url}/`, { headers });
    if (r.status !== 200) throw new Error(`bearer token refused by oauth2-sidecar: HTTP ${r.status}`);
    await r.arrayBuffer();
    return asTarget(s, 'sidecar-jwt', 'oauth2-sidecar, JWT bearer tokens', `${s.url}/`, headers);
  } catch (err) {
    await s.stop();
    throw err;
  }
}

async function clientCredentialsToken(issuer: string): Promise<string> {
  const r = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${BENCH_CLIENT_ID}:${BENCH_CLIENT_SECRET}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const j = (await r.json()) as { access_token?: string };
  if (!j.access_token) throw new Error(`the provider issued no client_credentials token: HTTP ${r.status}`);
  return j.access_token;
}

/** Redis for the Redis-sessions row: no persistence, so disk writes don't disturb the run. */
export async function startRedis(): Promise<{ url: string; process: Started; stop(): Promise<void> }> {
  const port = await freePort();
  const p = await start('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'], { ready: /Ready to accept connections/ });
  return { url: `redis://127.0.0.1:${port}`, process: p, stop: () => stop(p) };
}
