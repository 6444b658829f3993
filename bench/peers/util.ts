// Shared plumbing for starting peers: private temp dirs, readiness by connecting rather than
// sleeping, and a Target-shaped stop that also removes what the peer wrote to disk.
import { mkdtempSync, rmSync, chmodSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { stop, type Started } from '../lib/procs.js';

export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${prefix}-`));
  // Apache's children run as nobody and still need to write lock files next to the pid file.
  chmodSync(dir, 0o777);
  return dir;
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => { sock.destroy(); resolve(true); });
    sock.once('error', () => { sock.destroy(); resolve(false); });
  });
}

/**
 * Waits until something accepts connections on the port. A bare connect (no request) keeps the
 * upstream's request counter and the peers' session state untouched. Fails early with the
 * process output if it exits first.
 */
export async function waitForPort(proc: Started, port: number, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => { exited = true; });
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    if (exited) throw new Error(`${what} exited before listening on ${port}:\n${proc.output()}`);
    if (await tryConnect(port)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

export function stopAndClean(proc: Started, dir?: string): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= (async () => {
    await stop(proc);
    if (dir) rmSync(dir, { recursive: true, force: true });
  })());
}

/**
 * The plain-JS peer scripts live next to this file's source; compiled code runs from dist/, so
 * walk up to the directory whose bench/peers holds them.
 */
export function peerScript(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'bench', 'peers', 'accept-202.mjs'))) return join(dir, 'bench', 'peers', name);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find bench/peers/${name} above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** Where the peers' npm packages are installed. */
export function benchDir(): string {
  return dirname(dirname(peerScript('x')));
}
