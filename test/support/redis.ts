// Real Debian redis-server processes for the tests: standalone (optionally with an ACL user, or
// TLS-only with a certificate from a throwaway CA), a Sentinel set (primary, replica, three sentinels) and a three-primary Cluster, each on free
// loopback ports in its own temporary directory, stopped by PID. Data is written with an fsync'd
// append-only file, so a server killed with SIGKILL and started again on the same port and
// directory comes back with every session it had.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createTestCa, type TestCa } from '../ops/certs.js';
import { requireBinary } from './deps.js';
import { freePort } from './ports.js';

const START_TIMEOUT_MS = 10_000;

export interface RedisServer {
  port: number;
  /** redis://[user:password@]127.0.0.1:port (rediss:// with tls) */
  url: string;
  dir: string;
  /** With tls: the PEM file of the CA that signed the server certificate. */
  caPath?: string;
  pid(): number | undefined;
  /** A plain client for assertions (closed by stop()). */
  client(): Redis;
  /** SIGKILL: an abrupt crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory (after kill or stop). */
  restart(): Promise<void>;
  /** SIGTERM, wait for exit, remove the directory. */
  stop(): Promise<void>;
  output(): string;
}

export interface RedisServerOptions {
  /** An ACL user with full rights; the default user is then switched off. */
  acl?: { user: string; password: string };
  /** Extra configuration directives, as command-line arguments. */
  args?: string[];
  /** Run as a sentinel with this configuration file text (`port` is prepended). */
  sentinelConfig?: string;
  /** Accept only TLS connections, with a certificate for 127.0.0.1 from a CA made for this server. */
  tls?: boolean;
}

function waitForOutput(child: ChildProcess, pattern: RegExp, log: { text: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready in time:\n${log.text}`)), START_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      log.text += c.toString();
      if (pattern.test(log.text)) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        // Keep draining so the pipe never fills up.
        child.stdout?.on('data', (more: Buffer) => { log.text = (log.text + more.toString()).slice(-20_000); });
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${log.text}`)); });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedis(opts: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = requireBinary('redis-server');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-redis-'));
  const log = { text: '' };
  const clients: Redis[] = [];
  let child: ChildProcess | undefined;
  let ca: TestCa | undefined;
  let tlsArgs: string[] = [];
  if (opts.tls) {
    ca = createTestCa();
    const { cert, key } = ca.issue('redis test server');
    writeFileSync(join(dir, 'server.crt'), cert);
    writeFileSync(join(dir, 'server.key'), key, { mode: 0o600 });
    writeFileSync(join(dir, 'ca.crt'), ca.caCert);
    tlsArgs = [
      '--port', '0', '--tls-port', String(port),
      '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no',
    ];
  }

  const args = (): string[] => {
    if (opts.sentinelConfig !== undefined) {
      const conf = join(dir, 'sentinel.conf');
      // Sentinels rewrite their file; write it only once so a restart keeps what they learnt.
      try {
        writeFileSync(conf, `port ${port}\nbind 127.0.0.1\ndir ${dir}\n${opts.sentinelConfig}\n`, { flag: 'wx' });
      } catch { /* already there */ }
      return [conf, '--sentinel'];
    }
    const out = [
      ...(opts.tls ? tlsArgs : ['--port', String(port)]), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no', '--daemonize', 'no',
      // A replica's first sync starts at once instead of after the default 5 s.
      '--repl-diskless-sync-delay', '0',
    ];
    if (opts.acl) out.push('--user', opts.acl.user, 'on', `>${opts.acl.password}`, '~*', '&*', '+@all', '--user', 'default', 'off');
    return [...out, ...(opts.args ?? [])];
  };

  async function start(): Promise<void> {
    const c = spawn(bin, args(), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stderr?.on('data', (d: Buffer) => { log.text += d.toString(); });
    await waitForOutput(c, opts.sentinelConfig !== undefined ? /Sentinel ID is|\+monitor/ : /Ready to accept connections/, log);
  }

  try {
    await start();
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    if (ca) rmSync(ca.dir, { recursive: true, force: true });
    throw err;
  }
  const auth = opts.acl ? `${encodeURIComponent(opts.acl.user)}:${encodeURIComponent(opts.acl.password)}@` : '';
  const server: RedisServer = {
    port,
    url: `${opts.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    dir,
    ...(opts.tls ? { caPath: join(dir, 'ca.crt') } : {}),
    pid: () => child?.pid,
    client() {
      const c = new Redis({
        host: '127.0.0.1', port, protocol: 2, lazyConnect: false, maxRetriesPerRequest: 1,
        ...(opts.acl ? { username: opts.acl.user, password: opts.acl.password } : {}),
        ...(ca ? { tls: { ca: ca.caCert } } : {}),
        retryStrategy: (n) => Math.min(n * 50, 500),
      });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    async kill() {
      if (!child) return;
      const c = child;
      c.kill('SIGKILL');
      await exited(c);
    },
    async restart() {
      if (child && child.exitCode === null && child.signalCode === null) await server.kill();
      await start();
    },
    async stop() {
      for (const c of clients.splice(0)) c.disconnect();
      if (child) {
        const c = child;
        c.kill('SIGTERM');
        const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
        await exited(c);
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
      if (ca) rmSync(ca.dir, { recursive: true, force: true });
    },
    output: () => log.text,
  };
  return server;
}

/** Polls `check` until it returns true; for states that no event announces. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface SentinelSet {
  masterName: string;
  primary: RedisServer;
  replica: RedisServer;
  sentinels: RedisServer[];
  /** redis://127.0.0.1:port of each sentinel */
  sentinelUrls: string[];
  /** The port of the current primary, as the sentinels see it. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSentinelSet(): Promise<SentinelSet> {
  const masterName = 'sessions';
  const primary = await startRedis();
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
  const sentinels: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      sentinels.push(await startRedis({
        sentinelConfig: [
          `sentinel monitor ${masterName} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 10000`,
          `sentinel parallel-syncs ${masterName} 1`,
        ].join('\n'),
      }));
    }
    const first = sentinels[0]!.client();
    await until('the replica to sync', async () => (await replica.client().info('replication')).includes('master_link_status:up'));
    await until('the sentinels to see the replica and each other', async () => {
      const replicas = (await first.call('SENTINEL', 'REPLICAS', masterName)) as unknown[];
      const peers = (await first.call('SENTINEL', 'SENTINELS', masterName)) as unknown[];
      return replicas.length === 1 && peers.length === 2;
    });
  } catch (err) {
    for (const s of [...sentinels, replica, primary]) await s.stop();
    throw err;
  }
  const sentinelClient = sentinels[0]!.client();
  return {
    masterName,
    primary,
    replica,
    sentinels,
    sentinelUrls: sentinels.map((s) => `redis://127.0.0.1:${s.port}`),
    async primaryPort() {
      const addr = (await sentinelClient.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as [string, string];
      return Number(addr[1]);
    },
    async stop() {
      for (const s of [...sentinels, replica, primary]) await s.stop();
    },
  };
}

export interface RedisCluster {
  nodes: RedisServer[];
  urls: string[];
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const cli = requireBinary('redis-cli');
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(await startRedis({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const created = spawnSync(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { encoding: 'utf8', timeout: 20_000 });
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
    for (const n of nodes) {
      const c = n.client();
      await until(`cluster state ok on ${n.port}`, async () => (await c.call('CLUSTER', 'INFO') as string).includes('cluster_state:ok'));
    }
  } catch (err) {
    for (const n of nodes) await n.stop();
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    async stop() {
      for (const n of nodes) await n.stop();
    },
  };
}
