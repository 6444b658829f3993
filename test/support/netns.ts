// A network namespace standing in for a Kubernetes pod: its own loopback (shared by the processes
// started in it, like a pod's containers), joined to the host by a veth pair carrying a private
// /30 that exists only on that pair, so nothing ever leaves the machine. Needs root (CI runs as
// root) and iproute2. Everything is removed on close(), and at process exit if a test crashed.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { requireBinary } from './deps.js';

export interface PodNetns {
  name: string;
  /** The host's end of the veth pair. */
  hostIp: string;
  /** The pod's address, as a Service would reach it. */
  podIp: string;
  /** Starts a process inside the namespace; it is killed on close(). */
  spawn(command: string, args: string[], opts?: SpawnOptions): ChildProcess;
  /**
   * Makes a host loopback port reachable at the same 127.0.0.1 port inside the pod, through the
   * veth pair (a relay on each side), the way a mesh proxy carries a pod's egress.
   */
  exposeHostPort(port: number): Promise<void>;
  close(): Promise<void>;
}

const live = new Set<string>();
let exitHookInstalled = false;

function ip(args: string[]): string {
  return execFileSync(requireBinary('ip'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
}

function removeNamespace(name: string): void {
  // Deleting the namespace destroys its end of the veth pair, and with it the host end.
  try {
    ip(['netns', 'del', name]);
  } catch {
    /* already gone */
  }
  live.delete(name);
}

function freeSubnet(): { hostIp: string; podIp: string } {
  const used = ip(['-o', '-4', 'addr', 'show']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const third = randomInt(0, 256);
    const base = randomInt(0, 64) * 4;
    const prefix = `10.200.${third}.`;
    if (used.includes(`${prefix}${base + 1}/`) || used.includes(`${prefix}${base + 2}/`)) continue;
    return { hostIp: `${prefix}${base + 1}`, podIp: `${prefix}${base + 2}` };
  }
  throw new Error('no free 10.200.x.y/30 for the test pod');
}

// Runs inside the pod: 127.0.0.1:<listen> → <host>:<port>. Prints "ready" once listening.
const POD_RELAY = `
const net = require('node:net');
const [listen, host, port] = process.argv.slice(1);
const server = net.createServer((c) => {
  const u = net.connect(Number(port), host);
  c.pipe(u).pipe(c);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
});
server.listen(Number(listen), '127.0.0.1', () => console.log('ready'));
`;

function relay(listenHost: string, listenPort: number, targetPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((c) => {
    const u = createConnection(targetPort, '127.0.0.1');
    for (const s of [c, u]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    }
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve(server));
  });
}

export async function createPodNetns(): Promise<PodNetns> {
  requireBinary('ip');
  if (process.getuid?.() !== 0) throw new Error('network namespaces need root: run this test as root (CI does)');
  const id = randomBytes(4).toString('hex');
  const name = `sidecar-pod-${id}`;
  const hostIf = `sch${id}`;
  const podIf = `scp${id}`;
  const { hostIp, podIp } = freeSubnet();
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const n of live) removeNamespace(n);
    });
  }

  ip(['netns', 'add', name]);
  live.add(name);
  try {
    ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', podIf]);
    ip(['link', 'set', podIf, 'netns', name]);
    ip(['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    ip(['link', 'set', hostIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'addr', 'add', `${podIp}/30`, 'dev', podIf]);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', podIf, 'up']);
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    removeNamespace(name);
    try {
      ip(['link', 'del', hostIf]);
    } catch {
      /* not created */
    }
    throw err;
  }

  const children = new Set<ChildProcess>();
  const servers = new Set<Server>();
  const run = (command: string, args: string[], opts: SpawnOptions = {}): ChildProcess => {
    // `ip netns exec` enters the namespace and then execs the command, so the child is the command.
    const child = spawn(requireBinary('ip'), ['netns', 'exec', name, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };

  return {
    name,
    hostIp,
    podIp,
    spawn: run,
    async exposeHostPort(port) {
      const hostSide = await relay(hostIp, 0, port);
      servers.add(hostSide);
      const child = run(process.execPath, ['-e', POD_RELAY, String(port), hostIp, String((hostSide.address() as AddressInfo).port)]);
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (c) => {
          out += c;
          if (out.includes('ready')) resolve();
        });
        child.stderr!.on('data', (c) => (out += c));
        child.once('exit', (code) => reject(new Error(`pod relay exited with ${code}: ${out}`)));
      });
    },
    async close() {
      const exits = [...children].map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : Promise.resolve()));
      for (const c of children) c.kill('SIGKILL');
      await Promise.all(exits);
      await Promise.all([...servers].map((s) => new Promise((done) => s.close(done))));
      removeNamespace(name);
    },
  };
}
