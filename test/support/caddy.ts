// Debian's caddy as an unprivileged child process on a free loopback port: no admin endpoint, no
// automatic HTTPS, and HOME, XDG_DATA_HOME, XDG_CONFIG_HOME and its storage all inside one temporary
// directory, so it writes nothing anywhere else. The caller gives the site block's body; the site
// address (http://127.0.0.1:<port>) is added here. Stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBinary } from './deps.js';
import { freePort } from './ports.js';

const START_TIMEOUT_MS = 10_000;

export interface RunningCaddy {
  url: string;
  port: number;
  /** Caddy's log so far (JSON lines on stderr), for failure messages. */
  output(): string;
  close(): Promise<void>;
}

export async function startCaddy(siteBody: (port: number) => string): Promise<RunningCaddy> {
  const bin = requireBinary('caddy');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-caddy-'));
  const caddyfile = join(dir, 'Caddyfile');
  writeFileSync(caddyfile, `{
  admin off
  auto_https off
  storage file_system {
    root ${join(dir, 'data')}
  }
  # Open connections (keep-alive clients) must not hold the shutdown up.
  grace_period 1s
}

http://127.0.0.1:${port} {
${siteBody(port)}
}
`);
  const child = spawn(bin, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: join(dir, 'xdg-data'), XDG_CONFIG_HOME: join(dir, 'xdg-config') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (c: Buffer) => { log = (log + c.toString()).slice(-50_000); };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  // Caddy logs this once every listener is bound.
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { child.stderr.off('data', check); resolve(false); }, START_TIMEOUT_MS);
    const check = () => {
      if (log.includes('serving initial configuration')) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve(true);
      }
    };
    child.stderr.on('data', check);
    void exited.then(() => { clearTimeout(timer); resolve(false); });
  });
  if (!ready) {
    if (!gone) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`caddy did not start:\n${log}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => log,
    async close() {
      if (!gone) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
