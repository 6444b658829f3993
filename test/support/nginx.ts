// Debian's nginx as an unprivileged child process: its own temporary prefix (pid, logs, temp
// paths), `daemon off; master_process off`, listening on a free loopback port. The caller gives the
// `server { … }` body; `listen` is added here.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './deps.js';
import { freePort } from './ports.js';

export interface RunningNginx {
  url: string;
  port: number;
  /** The error log so far, for failure messages. */
  errorLog(): string;
  close(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export async function startNginx(serverBody: (port: number) => string): Promise<RunningNginx> {
  const bin = requireBinary('nginx');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-nginx-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d));
  const errorLog = join(dir, 'logs', 'error.log');
  const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 128; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  server {
    listen 127.0.0.1:${port};
${serverBody(port)}
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const readLog = () => { try { return readFileSync(errorLog, 'utf8'); } catch { return ''; } };

  // nginx has no readiness signal with master_process off: poll its port, boundedly.
  let up = false;
  let gone = false;
  void exited.then(() => (gone = true));
  for (let i = 0; i < 250 && !up && !gone; i++) {
    up = await canConnect(port);
    if (!up) await new Promise((r) => setTimeout(r, 20));
  }
  if (!up) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`nginx did not start:\n${stderr}\n${readLog()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    errorLog: readLog,
    async close() {
      if (!gone) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The two locations every auth_request set-up has, as the oauth2-proxy documentation lays them out:
 * the proxy's own endpoints, and the subrequest carrying the original URI and method.
 */
export function oauth2Locations(proxyPort: number): string {
  return `
    location /oauth2/ {
      proxy_pass http://127.0.0.1:${proxyPort};
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Auth-Request-Redirect $request_uri;
    }
    location = /oauth2/auth {
      proxy_pass http://127.0.0.1:${proxyPort};
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-Uri $request_uri;
      proxy_set_header X-Forwarded-Method $request_method;
      proxy_set_header Content-Length "";
      proxy_pass_request_body off;
    }`;
}
