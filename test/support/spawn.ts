// Runs the real executable as a child process, the way an operator (or Kubernetes) starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export const BIN = join(projectRoot(), 'bin', 'oauth2-sidecar.js');

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs to completion (configuration errors, --help, --config-test); bounded by a timeout. */
export function runBin(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`timed out: ${args.join(' ')}\n${stderr}`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export interface Started {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Starts a long-running proxy and resolves once a line of its output matches `ready`. */
export function startBin(args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 20_000): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`not ready in time:\n${out}`)); }, timeoutMs);
    const onData = (c: Buffer) => {
      out += c.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before ready:\n${out}`)); });
  });
}

/** Resolves once the proxy's output has matched `re` `times` times in all (counting what was already written). */
export function outputMatches(proxy: Started, re: RegExp, times = 1, timeoutMs = 15_000): Promise<void> {
  const count = () => (proxy.output().match(new RegExp(re.source, 'g')) ?? []).length;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (count() < times) return;
      proxy.child.stdout!.off('data', check);
      proxy.child.stderr!.off('data', check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => reject(new Error(`no ${re} (x${times}) in:\n${proxy.output()}`)), timeoutMs);
    proxy.child.stdout!.on('data', check);
    proxy.child.stderr!.on('data', check);
    // startBin's data listeners run first, so output() already holds the chunk being checked.
    setImmediate(check);
  });
}
