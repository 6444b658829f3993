// Every process the benchmark starts goes through here, so that all of them can be stopped by PID
// at the end, on Ctrl-C, or when a step fails half-way.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Started {
  child: ChildProcess;
  pid: number;
  /** Output so far (stdout and stderr, capped), for error messages. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
}

const running = new Set<Started>();

/**
 * Starts a process in its own process group and, when `ready` is given, waits until its output
 * matches it (or fails with the output when the process exits or `timeoutMs` passes).
 */
export async function start(cmd: string, args: string[], opts: SpawnOptions & { ready?: RegExp; timeoutMs?: number } = {}): Promise<Started> {
  const { ready, timeoutMs = 30_000, ...spawnOpts } = opts;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, ...spawnOpts });
  let out = '';
  const onData = (b: Buffer) => { if (out.length < 64_000) out += b.toString(); };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const s: Started = { child, pid: child.pid!, output: () => out, exited };
  running.add(s);
  exited.then(() => running.delete(s));
  if (ready) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`${cmd} did not get ready in ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const check = () => { if (ready.test(out)) done(); };
      const onExit = (code: number | null) => done(new Error(`${cmd} exited (${code}) before it was ready:\n${out}`));
      function done(err?: Error) {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.stderr?.off('data', check);
        child.off('exit', onExit);
        if (err) reject(err); else resolve();
      }
      child.stdout?.on('data', check);
      child.stderr?.on('data', check);
      child.once('exit', onExit);
      check();
    });
  }
  return s;
}

/** SIGTERM to the process group, SIGKILL after `graceMs`, then waits for the exit. */
export async function stop(s: Started, graceMs = 5_000): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  signalGroup(s.pid, 'SIGTERM');
  const timer = setTimeout(() => signalGroup(s.pid, 'SIGKILL'), graceMs);
  await s.exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => stop(s)));
}

/** Synchronous last resort for process exit and signals. */
export function killAllNow(): void {
  for (const s of running) signalGroup(s.pid, 'SIGKILL');
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch { /* gone */ } }
}

/** A daemon that forks away from its parent (Apache) is tracked through its pid file instead. */
export function pidFromFile(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}
