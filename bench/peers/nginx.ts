// nginx as a peer: a plain reverse proxy, and an auth_request gate in front of an arbitrary auth
// endpoint; plus the shared way of running an nginx instance (the upstream is one too).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { start, type Started } from '../lib/procs.js';
import type { Target } from '../lib/target.js';
import { freePort } from '../../test/support/ports.js';
import { makeTempDir, waitForPort, stopAndClean, peerScript } from './util.js';

export const NGINX = '/usr/sbin/nginx';

/**
 * Everything nginx would otherwise write under /var goes into the instance's own dir, so several
 * instances can run side by side without root-owned state.
 *
 * One worker everywhere: the proxy rows compare against oauth2-sidecar, which is one process, and
 * the upstream is meant to be cheap and constant, not to compete with the proxy for the 2 cores.
 * keepalive_requests is raised because the default (1000) would make wrk's connections reconnect
 * during a run, measuring connection setup the other rows never pay.
 */
function nginxConf(dir: string, http: string): string {
  return `worker_processes 1;
worker_rlimit_nofile 16384;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  keepalive_timeout 120s;
${http}
}
`;
}

export async function startNginx(name: string, http: string, ports: number[]): Promise<{ proc: Started; dir: string }> {
  const dir = makeTempDir(name);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, http));
  const proc = await start(NGINX, ['-p', dir, '-c', conf, '-e', `${dir}/error.log`, '-g', 'daemon off;']);
  try {
    for (const p of ports) await waitForPort(proc, p, `nginx (${name})`);
  } catch (err) {
    await stopAndClean(proc, dir)();
    throw err;
  }
  return { proc, dir };
}

function upstreamBlock(name: string, url: string): string {
  const u = new URL(url);
  // keepalive on the hop, as any tuned deployment has it: without it every proxied request
  // opens a fresh connection to the backend.
  return `
  upstream ${name} {
    server ${u.hostname}:${u.port || '80'};
    keepalive 64;
  }`;
}

const KEEPALIVE_HOP = `proxy_http_version 1.1;
      proxy_set_header Connection "";`;

export async function startNginxProxy(opts: { upstreamUrl: string }): Promise<Target> {
  const port = await freePort();
  const { proc, dir } = await startNginx('proxy', `${upstreamBlock('backend', opts.upstreamUrl)}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      proxy_pass http://backend;
      ${KEEPALIVE_HOP}
    }
  }`, [port]);
  return {
    label: 'nginx plain proxy_pass (no auth)',
    key: 'nginx-proxy',
    url: `http://127.0.0.1:${port}/`,
    headers: {},
    pids: () => [proc.pid],
    reachesUpstream: true,
    stop: stopAndClean(proc, dir),
  };
}

export interface NginxAuthRequestOptions {
  upstreamUrl: string;
  /** Full URL of the auth endpoint, e.g. http://127.0.0.1:4180/oauth2/auth; 2xx lets a request through. */
  authUrl: string;
  /**
   * Path prefixes (e.g. ['/oauth2/']) proxied straight to the auth server's origin, so a browser
   * can sign in through this nginx. Requests there skip auth_request.
   */
  authServerPrefixes?: string[];
  /** Extra directives placed inside the server block. */
  extra?: string;
  label?: string;
  key?: string;
  headers?: Record<string, string>;
}

export interface NginxAuthRequest extends Target {
  port: number;
}

/**
 * nginx with auth_request in front of the upstream. The auth subrequest carries the client's
 * headers (Cookie, Authorization) by default, without a body.
 */
export async function startNginxAuthRequest(opts: NginxAuthRequestOptions): Promise<NginxAuthRequest> {
  const port = await freePort();
  const auth = new URL(opts.authUrl);
  const authPath = auth.pathname + auth.search;
  const passThrough = (opts.authServerPrefixes ?? []).map((p) => `
    location ${p} {
      proxy_pass http://authserver;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      ${KEEPALIVE_HOP}
    }`).join('');
  const { proc, dir } = await startNginx('auth-request', `${upstreamBlock('backend', opts.upstreamUrl)}
${upstreamBlock('authserver', auth.origin)}
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      auth_request /_auth;
      proxy_pass http://backend;
      ${KEEPALIVE_HOP}
    }
    location = /_auth {
      internal;
      proxy_pass http://authserver${authPath};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Forwarded-Uri $request_uri;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Original-Method $request_method;
      ${KEEPALIVE_HOP}
    }${passThrough}
    ${opts.extra ?? ''}
  }`, [port]);
  return {
    port,
    label: opts.label ?? 'nginx auth_request',
    key: opts.key ?? 'nginx-auth-request',
    url: `http://127.0.0.1:${port}/`,
    headers: opts.headers ?? {},
    pids: () => [proc.pid],
    reachesUpstream: true,
    stop: stopAndClean(proc, dir),
  };
}

/** auth_request against a bare node:http server that answers 202 to everything: the floor for any auth_request setup. */
export async function startNginxAuthRequestNode(opts: { upstreamUrl: string }): Promise<Target> {
  const node = await start(process.execPath, [peerScript('accept-202.mjs')], { ready: /^listening on \d+$/m });
  const authPort = Number(/^listening on (\d+)$/m.exec(node.output())![1]);
  let gate: NginxAuthRequest;
  try {
    gate = await startNginxAuthRequest({
      upstreamUrl: opts.upstreamUrl,
      authUrl: `http://127.0.0.1:${authPort}/auth`,
      label: 'nginx auth_request → bare node:http 202',
      key: 'nginx-auth-request-node',
    });
  } catch (err) {
    await stopAndClean(node)();
    throw err;
  }
  const stopNode = stopAndClean(node);
  return {
    ...gate,
    pids: () => [...gate.pids(), node.pid],
    stop: async () => { await Promise.all([gate.stop(), stopNode()]); },
  };
}
